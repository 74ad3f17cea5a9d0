// One supervisee: the zones that apply to them and track playback on a map, device health, EM order
// periods (Art. 29: at most three months each), leave permits and unresolved incidents.
import L from 'leaflet';
import type { ConsoleApp } from '../console-app.js';
import { h, replaceChildren } from '../dom.js';
import { age, date, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type {
  Device,
  DeviceStatus,
  EmOrder,
  FeatureCollection,
  Incident,
  LeavePermit,
  Supervisee,
} from '../types.js';
import { reasonDialog } from './incident-dialogs.js';
import { incidentCard } from './incident-queue.js';
import { createMap, fitTo, zoneLayers } from './map-base.js';
import { trackPlayback } from './track-playback.js';
import { badge, card, navLink } from './widgets.js';

const DAY_MS = 86_400_000;

/** Revoking and calling off need a reason and go to the service, which decides who may (decision 0015). */
interface RowActions {
  readonly app: ConsoleApp;
  readonly reload: () => Promise<void>;
}

/**
 * A row's button that asks for a reason (reasonDialog), posts it to `path` and reloads the page's
 * data; the service's refusal stays in the dialog.
 */
function reasonButton(
  actions: RowActions,
  action: string,
  label: string,
  dialog: Parameters<typeof reasonDialog>[0],
  path: string,
): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      'data-action': action,
      onclick: () =>
        reasonDialog(dialog, async (reason) => {
          await actions.app.api.post(path, { reason });
          await actions.reload();
        }),
    },
    label,
  );
}

function orderRow(order: EmOrder, now: number, actions: RowActions): HTMLElement {
  const d = t();
  const start = Date.parse(order.startsAt);
  const end = Date.parse(order.revokedAt ?? order.endsAt);
  const active = start <= now && now < end;
  const state = order.revokedAt
    ? d.person.orderRevoked
    : active
      ? d.person.orderActive(Math.ceil((end - now) / DAY_MS))
      : now < start
        ? d.person.orderUpcoming
        : d.person.orderEnded;
  // Supervisors and administrators record EM orders, so they revoke them (mayRecordEmOrder).
  const role = actions.app.session.user.role;
  const mayRevoke = !order.revokedAt && now < end && (role === 'supervisor' || role === 'administrator');
  const revoke = mayRevoke
    ? reasonButton(
        actions,
        'revoke-order',
        d.person.revokeOrder,
        {
          title: d.dialog.revokeTitle,
          body: d.dialog.revokeBody,
          confirm: d.dialog.revokeConfirm,
          testid: 'revoke-order-dialog',
        },
        `/em-orders/${order.id}/revoke`,
      )
    : null;
  return h(
    'li',
    { class: active ? 'current' : '' },
    h('strong', {}, `${date(order.startsAt)} – ${date(order.endsAt)}`),
    badge(state, active ? 'ok' : 'plain'),
    h('div', { class: 'muted' }, d.ground[order.ground as keyof typeof d.ground] ?? order.ground),
    h('div', { class: 'muted' }, `${d.person.approver}: ${order.approver}`),
    revoke,
  );
}

function permitRow(permit: LeavePermit, now: number, actions: RowActions): HTMLElement {
  const d = t();
  // Whoever may approve it may call it off; the service answers 403 to anyone else (decision 0015).
  const cancel =
    permit.status === 'approved' && now < Date.parse(permit.endsAt) && !actions.app.readOnly
      ? reasonButton(
          actions,
          'cancel-leave',
          d.person.cancelLeave,
          {
            title: d.dialog.cancelLeaveTitle,
            body: d.dialog.cancelLeaveBody,
            confirm: d.dialog.cancelLeaveConfirm,
            testid: 'cancel-leave-dialog',
          },
          `/leave-permits/${permit.id}/cancel`,
        )
      : null;
  return h(
    'li',
    {},
    h('strong', {}, `${dateTime(permit.startsAt)} – ${dateTime(permit.endsAt)}`),
    badge(d.leaveStatus[permit.status] ?? permit.status, permit.status === 'approved' ? 'ok' : 'plain'),
    h('div', { class: 'muted' }, permit.reason),
    cancel,
  );
}

function deviceRow(status: DeviceStatus): HTMLElement {
  const d = t().person;
  const battery = status.battery?.pct ?? null;
  const fix = status.lastFix;
  return h(
    'li',
    { class: 'device', 'data-device-id': status.id },
    h('strong', {}, `${d.deviceKind[status.kind] ?? status.kind} · ${status.id.slice(0, 12)}`),
    status.disabled ? badge(d.disabled, 'late') : null,
    h(
      'dl',
      {},
      h('dt', {}, d.battery),
      h(
        'dd',
        { class: battery !== null && battery < 20 ? 'warn' : '' },
        battery !== null ? `${Math.round(battery)}%` : '—',
      ),
      h('dt', {}, d.lastFix),
      h('dd', {}, fix ? `${dateTime(fix.ts)} · ${age(fix.ts)}` : '—'),
      h('dt', {}, d.signal),
      h('dd', {}, fix ? `${t().source[fix.source] ?? fix.source} · ±${Math.round(fix.accuracyM)} m` : '—'),
    ),
  );
}

const list = (items: HTMLElement[], empty: string) =>
  items.length ? h('ul', { class: 'rows' }, items) : h('p', { class: 'empty' }, empty);

export function personPage(app: ConsoleApp, personId: string) {
  const d = t();
  const head = h('div', { class: 'person-head' }, navLink('/', `← ${d.person.back}`));
  const mapEl = h('div', { class: 'map person-map', 'data-testid': 'person-map' });
  let map: L.Map | null = null;
  const track = trackPlayback(app, personId, () => map);
  const side = h('div', { class: 'person-side' });
  const zonesLegend = h('div', { class: 'zone-legend' });
  const root = h(
    'div',
    { class: 'person-page' },
    head,
    h(
      'div',
      { class: 'person-grid' },
      h(
        'section',
        { class: 'card map-card' },
        h('h2', {}, `${d.person.zones} · ${d.track.title}`),
        mapEl,
        zonesLegend,
        track.root,
      ),
      side,
    ),
  );

  const load = async () => {
    const api = app.api;
    const [person, orders, permits, devices, zones, incidents] = await Promise.all([
      api.get<Supervisee>(`/supervisees/${personId}`),
      api.get<{ items: EmOrder[] }>(`/supervisees/${personId}/em-orders`),
      api.get<{ items: LeavePermit[] }>('/leave-permits', { superviseeId: personId, limit: 50 }),
      api.get<{ items: Device[] }>('/devices', { superviseeId: personId, limit: 20 }),
      api.get<FeatureCollection>(`/console/supervisees/${personId}/zones`),
      api.get<{ items: Incident[] }>('/incidents', { superviseeId: personId, limit: 50 }),
    ]);
    const statuses = await Promise.all(
      devices.items.map((dev) => api.get<DeviceStatus>(`/devices/${dev.id}/status`)),
    );
    const now = Date.now();
    const rowActions: RowActions = { app, reload: load };
    const unresolved = incidents.items.filter((i) => i.state !== 'resolved');
    const violating = unresolved.filter((i) => i.conditionActive);
    replaceChildren(
      head,
      navLink('/', `← ${d.person.back}`),
      h('h1', {}, person.name),
      badge(d.level[person.level], 'plain'),
      violating.map((i) => badge(`${d.kind[i.kind]} · ${d.badge.conditionActive}`, 'ongoing')),
    );
    replaceChildren(
      side,
      card(d.person.devices, list(statuses.map(deviceRow), d.person.noDevices)),
      card(
        d.person.emOrders,
        list(
          orders.items.map((o) => orderRow(o, now, rowActions)),
          d.person.noOrders,
        ),
      ),
      card(
        d.person.leave,
        list(
          permits.items.map((p) => permitRow(p, now, rowActions)),
          d.person.noLeave,
        ),
      ),
      card(
        d.person.incidents,
        unresolved.length
          ? h(
              'div',
              { class: 'incident-list' },
              unresolved.map((i) => incidentCard(app, i, now)),
            )
          : h('p', { class: 'empty' }, d.person.noIncidents),
      ),
    );
    replaceChildren(
      zonesLegend,
      zones.features.map((z) =>
        h(
          'span',
          { class: `zone-chip zone-${z.properties.kind}` },
          `${d.zoneKind[z.properties.kind]} · ${z.properties.name}`,
        ),
      ),
    );
    if (!map) return;
    // Fit to the person's own zones and last fix; the county boundary alone would show a whole county.
    const own = L.latLngBounds([]);
    const all = L.latLngBounds([]);
    for (const zone of zones.features) {
      for (const layer of zoneLayers([zone])) {
        layer.addTo(map);
        const bounds = (layer as unknown as { getBounds(): L.LatLngBounds }).getBounds();
        all.extend(bounds);
        if (zone.properties.kind !== 'jurisdiction') own.extend(bounds);
      }
    }
    const last = statuses.map((s) => s.lastFix).find((f) => f);
    const bounds = own.isValid() || last ? own : all;
    if (last) {
      L.circleMarker([last.lat, last.lon], {
        radius: 8,
        color: '#1e3a8a',
        fillColor: '#2563eb',
        fillOpacity: 0.9,
      })
        .bindTooltip(`${d.map.lastFix}: ${dateTime(last.ts)}`)
        .addTo(map);
      bounds.extend([last.lat, last.lon]);
    }
    fitTo(map, bounds, 16);
  };

  return {
    root,
    mount() {
      map = createMap(mapEl, app.config.mapTileUrl);
      track.layer.addTo(map);
      load().catch((err) =>
        replaceChildren(
          side,
          h('p', { class: 'form-error' }, `${d.error.notFound} (${err instanceof Error ? err.message : ''})`),
        ),
      );
    },
    dispose() {
      track.dispose();
      map?.remove();
    },
  };
}
