// The live map: each supervisee's last position and the zones that apply, with people in violation
// drawn large and red, labelled, with their fix's accuracy circle, so they stand out at any zoom.
import L from 'leaflet';
import type { ConsoleApp } from '../console-app.js';
import { h } from '../dom.js';
import { age, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { MapPerson } from '../types.js';
import { createMap, fitTo, zoneLayers } from './map-base.js';

/** A last fix older than this is drawn grey: the person may be out of contact. */
const STALE_MS = 30 * 60_000;

function markerStyle(person: MapPerson, now: number): L.CircleMarkerOptions {
  if (person.inViolation)
    return { radius: 10, color: '#7f1d1d', weight: 2, fillColor: '#dc2626', fillOpacity: 0.95 };
  if (person.openIncidents > 0)
    return { radius: 8, color: '#78350f', weight: 2, fillColor: '#f59e0b', fillOpacity: 0.9 };
  const stale = person.lastFix && now - Date.parse(person.lastFix.ts) > STALE_MS;
  return stale
    ? { radius: 7, color: '#374151', weight: 1.5, fillColor: '#9ca3af', fillOpacity: 0.9 }
    : { radius: 7, color: '#1e3a8a', weight: 1.5, fillColor: '#2563eb', fillOpacity: 0.9 };
}

function popup(person: MapPerson, navigate: (path: string) => void): HTMLElement {
  const d = t();
  const fix = person.lastFix;
  const link = h('a', { href: `/people/${person.id}` }, d.map.openPerson);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    navigate(`/people/${person.id}`);
  });
  return h(
    'div',
    { class: 'map-popup' },
    h('strong', {}, person.name),
    h('span', { class: 'muted' }, ` · ${d.level[person.level]}`),
    h('br'),
    fix
      ? `${d.map.lastFix}: ${dateTime(fix.ts)} (${age(fix.ts)}) · ±${Math.round(fix.accuracyM ?? 0)} m${fix.batteryPct !== null ? ` · ${d.person.battery} ${fix.batteryPct}%` : ''}`
      : d.map.noFix,
    h('br'),
    link,
  );
}

export function supervisionMap(app: ConsoleApp, navigate: (path: string) => void) {
  const container = h('div', { class: 'map', 'data-testid': 'live-map' });
  const legend = h('span', { class: 'legend' });
  const root = h(
    'section',
    { class: 'map-panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, t().map.title), legend),
    container,
  );
  let map: L.Map | null = null;
  const zones = L.layerGroup();
  const people = L.layerGroup();
  let fitted = false;

  const draw = () => {
    if (!map || !app.map) return;
    const now = Date.now();
    zones.clearLayers();
    for (const layer of zoneLayers(app.map.zones.features)) zones.addLayer(layer);
    people.clearLayers();
    const located = app.map.people.filter((p) => p.lastFix);
    // Violators last, so they are drawn on top of everyone else.
    located.sort((a, b) => Number(a.inViolation) - Number(b.inViolation));
    for (const person of located) {
      const fix = person.lastFix!;
      if (person.inViolation && fix.accuracyM) {
        people.addLayer(
          L.circle([fix.lat, fix.lon], {
            radius: fix.accuracyM,
            color: '#dc2626',
            weight: 1,
            fillOpacity: 0.1,
          }),
        );
      }
      const marker = L.circleMarker([fix.lat, fix.lon], markerStyle(person, now)).bindPopup(() =>
        popup(person, navigate),
      );
      marker.bindTooltip(
        person.name,
        person.inViolation
          ? { permanent: true, direction: 'right', className: 'violator-label' }
          : { direction: 'top' },
      );
      people.addLayer(marker);
    }
    const violating = app.map.people.filter((p) => p.inViolation).length;
    legend.textContent = t().map.legend(app.map.people.length, located.length, violating);
    root.dataset.violating = String(violating);
    root.dataset.zones = String(app.map.zones.features.length);
    if (!fitted && located.length > 0) {
      fitTo(map, L.latLngBounds(located.map((p) => [p.lastFix!.lat, p.lastFix!.lon])), 15);
      fitted = true;
    }
  };

  return {
    root,
    /** Called once the container is in the document: Leaflet measures it. */
    mount() {
      map = createMap(container, app.config.mapTileUrl);
      zones.addTo(map);
      people.addTo(map);
      draw();
    },
    draw,
    dispose() {
      map?.remove();
    },
  };
}
