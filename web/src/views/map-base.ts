// Leaflet maps for the console. Base tiles come from the configured URL; with none (supervision
// centres are often offline) the map keeps a plain grid background, and zones, positions and tracks
// still draw, since they are vectors in the page. Canvas rendering keeps thousands of markers fast.
import L from 'leaflet';
import type { ZoneKind } from '../../../schemas/enums.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import type { ZoneFeature } from '../types.js';

/** Until the data says where to look: the demo county (Ziyang, Sichuan). */
const DEFAULT_VIEW: L.LatLngExpression = [30.12, 104.63];

export const ZONE_STYLE: Record<ZoneKind, L.PathOptions> = {
  jurisdiction: { color: '#1d4ed8', weight: 2, dashArray: '8 6', fillOpacity: 0.03 },
  residence: { color: '#15803d', weight: 2, fillOpacity: 0.12 },
  leave: { color: '#7c3aed', weight: 2, dashArray: '4 4', fillOpacity: 0.08 },
  prohibition: { color: '#b91c1c', weight: 2, fillColor: '#ef4444', fillOpacity: 0.22 },
  protected_person: { color: '#c2410c', weight: 2, fillOpacity: 0.12 },
};

export function createMap(container: HTMLElement, tileUrl: string): L.Map {
  const map = L.map(container, { preferCanvas: true, zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix('Leaflet');
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
  } else {
    container.classList.add('no-tiles');
    const notice = new L.Control({ position: 'bottomleft' });
    notice.onAdd = () => h('div', { class: 'map-notice' }, t().map.noTiles);
    notice.addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  map.setView(DEFAULT_VIEW, 11);
  return map;
}

/** Zones as Leaflet layers; a circle zone is a GeoJSON Point with `radiusM` (src/api/routes/zones.ts). */
export function zoneLayers(features: readonly ZoneFeature[]): L.Layer[] {
  const layers: L.Layer[] = [];
  for (const zone of features) {
    if (!zone.geometry) continue;
    const style = ZONE_STYLE[zone.properties.kind];
    const label = `${t().zoneKind[zone.properties.kind]} · ${zone.properties.name}`;
    if (zone.geometry.type === 'Point' && zone.properties.radiusM) {
      const [lon, lat] = zone.geometry.coordinates as [number, number];
      layers.push(L.circle([lat, lon], { ...style, radius: zone.properties.radiusM }).bindTooltip(label));
    } else {
      layers.push(L.geoJSON(zone.geometry, { style: () => style }).bindTooltip(label, { sticky: true }));
    }
  }
  return layers;
}

/** Fits the map to what is drawn; the jurisdiction boundary alone would show a whole county. */
export function fitTo(map: L.Map, bounds: L.LatLngBounds | null, maxZoom = 16): void {
  // No animation: a canvas caught mid-zoom is a blur, to officers and to screenshots alike.
  if (bounds?.isValid()) map.fitBounds(bounds.pad(0.15), { maxZoom, animate: false });
}
