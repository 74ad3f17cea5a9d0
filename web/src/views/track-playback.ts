// Track playback over a chosen range. The track API requires a stated purpose, recorded in the
// audit log before any position is read (Art. 29, 54, 61), so the form asks for it every time.
// Playback runs on the fixes' own clock at a chosen speed, interpolating between fixes, so gaps in
// reporting show as gaps in time rather than being squeezed out.
import L from 'leaflet';
import type { ConsoleApp } from '../console-app.js';
import { h, replaceChildren } from '../dom.js';
import { dateTime, fromCstInput, toCstInput } from '../format.js';
import { t } from '../i18n/index.js';
import type { Track, TrackPoint } from '../types.js';
import { fitTo } from './map-base.js';

const SPEEDS = [10, 60, 600, 3600];

interface HourlyPoint {
  firstTs: string;
  lat: number;
  lon: number;
  bestAccuracyM: number | null;
}

/** Hourly summaries (ranges over two days) become points at their first fix. */
function normalise(points: readonly (TrackPoint | HourlyPoint)[]): TrackPoint[] {
  return points
    .map((p) => ('ts' in p ? p : { ts: p.firstTs, lat: p.lat, lon: p.lon, accuracyM: p.bestAccuracyM }))
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
}

export function trackPlayback(app: ConsoleApp, personId: string, getMap: () => L.Map | null) {
  const d = t().track;
  const now = Date.now();
  const from = h('input', { type: 'datetime-local', name: 'from', value: toCstInput(now - 24 * 3600_000) });
  const to = h('input', { type: 'datetime-local', name: 'to', value: toCstInput(now + 60_000) });
  const purpose = h('input', {
    name: 'purpose',
    required: true,
    minlength: 4,
    maxlength: 500,
    placeholder: d.purposePlaceholder,
  });
  const status = h('p', { class: 'track-status', role: 'status' });
  const controls = h('div', { class: 'track-controls', hidden: true });
  const layer = L.layerGroup();
  let frame = 0;

  const play = (points: TrackPoint[], resolution: Track['resolution']) => {
    const times = points.map((p) => Date.parse(p.ts));
    const t0 = times[0]!;
    const t1 = times[times.length - 1]!;
    let clock = t0;
    let playing = false;
    let last = 0;
    let speed = 60;
    const full = L.polyline(
      points.map((p) => [p.lat, p.lon]),
      { color: '#64748b', weight: 3, opacity: 0.5 },
    );
    const travelled = L.polyline([], { color: '#2563eb', weight: 4 });
    const marker = L.circleMarker([points[0]!.lat, points[0]!.lon], {
      radius: 8,
      color: '#1e3a8a',
      fillColor: '#3b82f6',
      fillOpacity: 1,
      weight: 2,
    });
    const accuracy = L.circle([points[0]!.lat, points[0]!.lon], {
      radius: points[0]!.accuracyM ?? 0,
      color: '#3b82f6',
      weight: 1,
      fillOpacity: 0.1,
    });
    layer.clearLayers();
    for (const p of points)
      layer.addLayer(
        L.circleMarker([p.lat, p.lon], {
          radius: 3,
          color: '#475569',
          weight: 1,
          fillOpacity: 0.6,
        }).bindTooltip(dateTime(p.ts)),
      );
    layer.addLayer(full).addLayer(travelled).addLayer(accuracy).addLayer(marker);
    const map = getMap();
    if (map) fitTo(map, full.getBounds(), 17);

    const slider = h('input', { type: 'range', min: 0, max: 1000, value: 0, 'aria-label': 'position' });
    const timeLabel = h('span', { class: 'track-time' });
    const button = h('button', { type: 'button', class: 'primary', 'data-action': 'play' }, d.play);
    const speedSelect = h(
      'select',
      { 'aria-label': d.speed },
      SPEEDS.map((s) => h('option', { value: s, selected: s === speed }, `${s}×`)),
    );
    speedSelect.addEventListener('change', () => {
      speed = Number(speedSelect.value);
    });

    const show = () => {
      let i = 0;
      while (i < times.length - 1 && times[i + 1]! <= clock) i++;
      const a = points[i]!;
      const b = points[Math.min(i + 1, points.length - 1)]!;
      const span = times[Math.min(i + 1, times.length - 1)]! - times[i]!;
      const f = span > 0 ? Math.min(1, (clock - times[i]!) / span) : 0;
      const here = L.latLng(a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f);
      marker.setLatLng(here);
      accuracy.setLatLng(here).setRadius(a.accuracyM ?? 0);
      travelled.setLatLngs([...points.slice(0, i + 1).map((p) => L.latLng(p.lat, p.lon)), here]);
      slider.value = String(t1 > t0 ? Math.round(((clock - t0) / (t1 - t0)) * 1000) : 1000);
      timeLabel.textContent = dateTime(new Date(clock).toISOString());
    };
    const step = (stamp: number) => {
      if (!playing) return;
      clock = Math.min(t1, clock + (last ? (stamp - last) * speed : 0));
      last = stamp;
      show();
      if (clock >= t1) {
        playing = false;
        button.textContent = d.play;
        controls.dataset.state = 'ended';
        status.textContent = `${d.points(points.length, resolution)} · ${d.ended}`;
        return;
      }
      frame = requestAnimationFrame(step);
    };
    button.addEventListener('click', () => {
      playing = !playing;
      button.textContent = playing ? d.pause : d.play;
      controls.dataset.state = playing ? 'playing' : 'paused';
      if (!playing) return;
      if (clock >= t1) clock = t0;
      last = 0;
      frame = requestAnimationFrame(step);
    });
    slider.addEventListener('input', () => {
      clock = t0 + ((t1 - t0) * Number(slider.value)) / 1000;
      show();
    });
    controls.hidden = false;
    controls.dataset.state = 'ready';
    replaceChildren(
      controls,
      button,
      slider,
      timeLabel,
      h('label', { class: 'inline' }, d.speed, speedSelect),
    );
    show();
  };

  const load = async (event: Event) => {
    event.preventDefault();
    cancelAnimationFrame(frame);
    if (purpose.value.trim().length < 4) {
      status.textContent = d.purposeRequired;
      return;
    }
    status.textContent = d.loading;
    try {
      const track = await app.api.get<Track>(`/supervisees/${personId}/track`, {
        from: new Date(fromCstInput(from.value)).toISOString(),
        to: new Date(fromCstInput(to.value)).toISOString(),
        purpose: purpose.value.trim(),
      });
      const points = normalise(track.points as (TrackPoint | HourlyPoint)[]);
      status.textContent = points.length ? d.points(points.length, track.resolution) : d.none;
      controls.hidden = points.length === 0;
      if (points.length) play(points, track.resolution);
    } catch (err) {
      status.textContent = t().dialog.failed + (err instanceof Error ? err.message : String(err));
    }
  };

  const root = h(
    'form',
    { class: 'track-form', 'data-testid': 'track-form', novalidate: true, onsubmit: load },
    h('div', { class: 'track-range' }, h('label', {}, d.from, from), h('label', {}, d.to, to)),
    h('label', {}, d.purpose, purpose),
    h('button', { type: 'submit', class: 'secondary' }, d.load),
    status,
    controls,
  );
  return {
    root,
    layer,
    dispose: () => cancelAnimationFrame(frame),
  };
}
