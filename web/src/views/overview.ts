// The officer's main screen: the live map beside the incident queue. The side panel switches
// between active incidents, resolved ones (how alerts were handled, for review) and the people list.
import type { ConsoleApp } from '../console-app.js';
import { h, replaceChildren } from '../dom.js';
import { age } from '../format.js';
import { t } from '../i18n/index.js';
import { incidentList } from './incident-queue.js';
import { supervisionMap } from './supervision-map.js';
import { navLink, severityBadge } from './widgets.js';

type Tab = 'active' | 'resolved' | 'people';

function peopleList(app: ConsoleApp): HTMLElement {
  const d = t();
  const people = [...(app.map?.people ?? [])].sort(
    (a, b) =>
      Number(b.inViolation) - Number(a.inViolation) ||
      b.openIncidents - a.openIncidents ||
      a.name.localeCompare(b.name),
  );
  return h(
    'ul',
    { class: 'people-list' },
    people.map((p) =>
      h(
        'li',
        { class: p.inViolation ? 'violating' : '' },
        h('span', { class: `status-dot ${p.inViolation ? 'red' : p.openIncidents ? 'amber' : 'blue'}` }),
        navLink(`/people/${p.id}`, p.name),
        h('span', { class: 'badge plain' }, d.level[p.level]),
        p.worstSeverity ? severityBadge(p.worstSeverity) : null,
        h(
          'span',
          { class: 'muted right' },
          p.lastFix
            ? `${age(p.lastFix.ts)}${p.lastFix.batteryPct !== null ? ` · ${p.lastFix.batteryPct}%` : ''}`
            : d.map.noFix,
        ),
      ),
    ),
  );
}

export function overviewPage(app: ConsoleApp, navigate: (path: string) => void) {
  const d = t();
  let tab: Tab = 'active';
  const map = supervisionMap(app, navigate);
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const body = h('div', { class: 'tab-body' });
  const render = () => {
    const counts: Record<Tab, number | null> = {
      active: app.store.active().length,
      resolved: null,
      people: app.map?.people.length ?? null,
    };
    const labels: Record<Tab, string> = {
      active: d.queue.active,
      resolved: d.queue.resolved,
      people: d.queue.people,
    };
    replaceChildren(
      tabs,
      (Object.keys(labels) as Tab[]).map((key) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            'aria-selected': String(tab === key),
            'data-tab': key,
            onclick: () => {
              tab = key;
              if (key === 'resolved') void app.loadResolved();
              render();
            },
          },
          labels[key],
          counts[key] !== null ? h('span', { class: 'count' }, counts[key]) : null,
        ),
      ),
    );
    if (tab === 'people') replaceChildren(body, peopleList(app));
    else if (tab === 'resolved')
      replaceChildren(body, incidentList(app, app.store.resolved(), d.queue.emptyResolved));
    else replaceChildren(body, incidentList(app, app.store.active(), d.queue.empty));
  };
  const root = h(
    'div',
    { class: 'overview' },
    map.root,
    h(
      'aside',
      { class: 'side-panel' },
      h('div', { class: 'panel-head' }, h('h2', {}, d.queue.title)),
      tabs,
      body,
    ),
  );
  render();
  const offStore = app.store.subscribe(render);
  const offMap = app.onMap(() => {
    map.draw();
    render();
  });
  // Ages ("3 min ago") move on without any event.
  const tick = setInterval(render, 30_000);
  return {
    root,
    mount: () => map.mount(),
    dispose() {
      offStore();
      offMap();
      clearInterval(tick);
      map.dispose();
    },
  };
}
