// The incident queue: severity, then unacknowledged first, then longest waiting (incidents.ts).
// Each card says what, who, since when, and carries escalation, late-data and ongoing badges.
// Auditors get the same cards without action buttons.
import type { ConsoleApp } from '../console-app.js';
import { h } from '../dom.js';
import { age, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { Incident } from '../types.js';
import { acknowledgeDialog, historyDialog, resolveDialog } from './incident-dialogs.js';
import { badge, navLink, severityBadge } from './widgets.js';

/**
 * Closed by the rules when its condition ended, with nothing recorded by an officer yet: the officer
 * may still record what they did (once; src/incidents/incident-actions.ts).
 */
const awaitsOfficerDisposition = (incident: Incident): boolean =>
  incident.state === 'resolved' &&
  incident.resolvedBy === null &&
  incident.disposition === 'condition_cleared';

/** Cards of incidents opened in the last few seconds flash once, to catch the eye. */
const FRESH_MS = 10_000;

export function incidentCard(app: ConsoleApp, incident: Incident, now = Date.now()): HTMLElement {
  const d = t();
  const fresh = incident.state === 'open' && now - Date.parse(incident.openedAt) < FRESH_MS;
  const actions = app.readOnly
    ? []
    : [
        incident.state === 'open'
          ? h(
              'button',
              {
                type: 'button',
                class: 'primary',
                'data-action': 'acknowledge',
                onclick: () => acknowledgeDialog(app, incident),
              },
              d.queue.acknowledge,
            )
          : null,
        incident.state !== 'resolved'
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-action': 'resolve',
                onclick: () => resolveDialog(app, incident),
              },
              d.queue.resolve,
            )
          : null,
        awaitsOfficerDisposition(incident)
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-action': 'record-disposition',
                onclick: () => resolveDialog(app, incident, true),
              },
              d.queue.recordDisposition,
            )
          : null,
      ];
  return h(
    'article',
    {
      class: `incident sev-${incident.severity} state-${incident.state}${fresh ? ' fresh' : ''}`,
      'data-incident-id': incident.id,
      'data-state': incident.state,
      'data-kind': incident.kind,
    },
    h(
      'header',
      {},
      severityBadge(incident.severity),
      h('strong', { class: 'kind' }, d.kind[incident.kind]),
      h('span', { class: `badge state state-${incident.state}` }, d.state[incident.state] ?? incident.state),
    ),
    h(
      'div',
      { class: 'who' },
      navLink(`/people/${incident.superviseeId}`, app.personName(incident.superviseeId)),
      h(
        'span',
        { class: 'muted' },
        ` · ${d.queue.opened} ${dateTime(incident.openedAt)} · ${age(incident.openedAt, now)}`,
      ),
    ),
    h(
      'div',
      { class: 'badges' },
      incident.escalationLevel > 0
        ? badge(d.badge.escalated[incident.escalationLevel] ?? '', 'escalated')
        : null,
      incident.late ? badge(d.badge.late, 'late') : null,
      incident.state !== 'resolved'
        ? badge(
            incident.conditionActive ? d.badge.conditionActive : d.badge.conditionCleared,
            incident.conditionActive ? 'ongoing' : 'cleared',
          )
        : null,
      incident.confidence !== null
        ? badge(d.queue.confidence(Math.round(incident.confidence * 100)), 'plain')
        : null,
    ),
    incident.state === 'resolved'
      ? h(
          'div',
          { class: 'resolution' },
          h(
            'strong',
            {},
            d.disposition[incident.disposition as keyof typeof d.disposition] ?? incident.disposition ?? '',
          ),
          incident.note ? ` · ${incident.note}` : '',
          h('span', { class: 'muted' }, ` · ${dateTime(incident.resolvedAt)}`),
        )
      : null,
    h(
      'footer',
      {},
      ...actions,
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          'data-action': 'history',
          onclick: () => void historyDialog(app, incident),
        },
        d.queue.history,
      ),
    ),
  );
}

export function incidentList(app: ConsoleApp, incidents: readonly Incident[], empty: string): HTMLElement {
  const now = Date.now();
  return h(
    'div',
    { class: 'incident-list', 'data-testid': 'incident-list' },
    incidents.length ? incidents.map((i) => incidentCard(app, i, now)) : h('p', { class: 'empty' }, empty),
  );
}
