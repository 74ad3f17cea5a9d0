// The oversight lists: the lost-supervision register (脱管, Art. 30), missed intake (漏管) and EM
// legality (Art. 29). Plain tables: each row is a case someone must look into.
import { h } from '../dom.js';
import { date, dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { EmLegalityReport, LostContactRegister, MissedIntakeReport } from '../oversight-types.js';
import { badge, card, navLink } from './widgets.js';

export interface Names {
  office(id: string): string;
  person(id: string): string;
}

function table(testId: string, head: string[], rows: HTMLElement[], empty: string): HTMLElement {
  if (!rows.length) return h('p', { class: 'muted empty', 'data-testid': testId }, empty);
  return h(
    'table',
    { class: 'register', 'data-testid': testId },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((c) => h('th', {}, c)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

const personLink = (names: Names, id: string) =>
  navLink(`/people/${encodeURIComponent(id)}`, names.person(id));

export function lostContactCard(register: LostContactRegister, names: Names): HTMLElement {
  const d = t().oversight.lost;
  const rows = register.cases.map((c) =>
    h(
      'tr',
      { 'data-incident-id': c.incidentId, 'data-ongoing': String(c.ongoing) },
      h('td', {}, navLink(`/people/${encodeURIComponent(c.superviseeId)}`, c.superviseeName)),
      h('td', {}, names.office(c.orgUnitId)),
      h('td', {}, dateTime(c.startedAt)),
      h('td', { class: 'num', 'data-value': c.daysOff }, c.daysOff.toFixed(1)),
      h(
        'td',
        {},
        c.milestones
          .filter((m) => m.reached)
          .map((m) =>
            badge(
              (d[m.name as 'warning' | 'revocation_proposal'] ?? ((n: number) => `${n} d ${m.name}`))(m.days),
              m.name === 'warning' ? 'warn' : 'danger',
            ),
          ),
      ),
      h('td', { 'data-police': String(c.policeNotified) }, c.policeNotified ? d.yes : d.no),
      h('td', {}, c.ongoing ? badge(d.ongoing, 'danger') : (t().state[c.state] ?? c.state)),
    ),
  );
  return card(
    d.title,
    h(
      'p',
      { class: 'muted' },
      `${register.summary.cases} · ${d.ongoing} ${register.summary.ongoing} · ${d.police} ${register.summary.policeNotified}`,
    ),
    table(
      'lost-contact',
      [d.person, t().oversight.office, d.started, d.daysOff, d.milestones, d.police, d.state],
      rows,
      t().oversight.noData,
    ),
  );
}

export function missedIntakeCard(report: MissedIntakeReport, names: Names): HTMLElement {
  const d = t().oversight.intake;
  const late = report.lateIntake.map((r) =>
    h(
      'tr',
      { 'data-order-id': r.orderId, 'data-finding': r.finding },
      h('td', {}, personLink(names, r.superviseeId)),
      h('td', {}, names.office(r.orgUnitId)),
      h('td', {}, r.orderId),
      h('td', {}, dateTime(r.startsAt)),
      h('td', {}, r.firstFixAt ? dateTime(r.firstFixAt) : '—'),
      h('td', {}, badge(d[r.finding], r.finding === 'never_reported' ? 'danger' : 'warn')),
    ),
  );
  const never = report.neverActivated.map((r) =>
    h(
      'tr',
      { 'data-order-id': r.orderId },
      h('td', {}, personLink(names, r.superviseeId)),
      h('td', {}, names.office(r.orgUnitId)),
      h('td', {}, r.orderId),
      h('td', {}, `${date(r.startsAt)} – ${date(r.endedAt)}`),
    ),
  );
  const unassigned = (report.unassignedDevicesReporting ?? []).map((r) =>
    h(
      'tr',
      { 'data-device-id': r.deviceId },
      h('td', {}, r.deviceId),
      h('td', {}, r.kind),
      h('td', { class: 'num' }, r.refusedMessages),
      h('td', {}, `${dateTime(r.firstAt)} – ${dateTime(r.lastAt)}`),
    ),
  );
  const o = t().oversight;
  return card(
    d.title,
    h('h3', {}, d.late),
    table('late-intake', [o.lost.person, o.office, d.order, d.startsAt, d.firstFix, ''], late, o.noData),
    h('h3', {}, d.neverActivated),
    table('never-activated', [o.lost.person, o.office, d.order, ''], never, o.noData),
    report.unassignedDevicesReporting === null ? null : h('h3', {}, d.unassigned),
    report.unassignedDevicesReporting === null
      ? null
      : table('unassigned-devices', [d.device, '', d.refused, ''], unassigned, o.noData),
  );
}

export function legalityCard(report: EmLegalityReport, names: Names): HTMLElement {
  const d = t().oversight.legality;
  const o = t().oversight;
  const zero = (testId: string, label: string, value: number) =>
    h(
      'div',
      { class: `kpi ${value === 0 ? 'ok' : 'bad'}`, 'data-testid': testId, 'data-value': value },
      h('strong', { class: 'kpi-value' }, value),
      h('span', {}, label),
      h('small', {}, d.mustBeZero),
    );
  const orderRow = (r: EmLegalityReport['expired'][number], extra: HTMLElement | null) =>
    h(
      'tr',
      { 'data-order-id': r.orderId },
      h('td', {}, personLink(names, r.superviseeId)),
      h('td', {}, names.office(r.orgUnitId)),
      h('td', {}, r.orderId),
      h('td', {}, `${date(r.startsAt)} – ${date(r.endsAt)}`),
      extra,
      h('td', {}, badge(r.renewed ? d.renewed : d.notRenewed, r.renewed ? 'ok' : 'warn')),
    );
  const soon = report.endingSoon.map((r) => orderRow(r, h('td', { class: 'num' }, r.daysLeft)));
  const expired = report.expired.map((r) => orderRow(r, null));
  const extensions = report.extensionsPerPerson
    .filter((p) => p.extensions > 0)
    .map((p) =>
      h(
        'tr',
        { 'data-person': p.superviseeId },
        h('td', {}, personLink(names, p.superviseeId)),
        h('td', {}, names.office(p.orgUnitId)),
        h('td', { class: 'num' }, p.orders),
        h('td', { class: 'num' }, p.extensions),
        h('td', { class: 'num' }, p.longestChain),
      ),
    );
  return card(
    d.title,
    h(
      'div',
      { class: 'kpis' },
      zero('fixes-outside', d.fixesOutside, report.fixesOutsideOrder),
      zero('incidents-outside', d.incidentsOutside, report.incidentsOutsideOrder),
      zero('without-ground', d.withoutGround, report.ordersWithoutGroundOrApprover),
    ),
    h('h3', {}, d.endingSoon),
    table('ending-soon', [o.lost.person, o.office, o.intake.order, '', d.daysLeft, ''], soon, o.noData),
    h('h3', {}, d.expired),
    table('expired', [o.lost.person, o.office, o.intake.order, '', ''], expired, o.noData),
    h('h3', {}, d.extensions),
    table('extensions', [o.lost.person, o.office, d.orders, d.renewals, d.chain], extensions, o.noData),
  );
}
