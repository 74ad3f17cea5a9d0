// The acknowledge and resolve dialogs (issue 5: resolving needs a disposition and a note) and the
// handling history, on native <dialog> elements: modal, focus-trapped, Esc to cancel, no library.

import { dispositionsFor } from '../../../schemas/resolution.js';
import type { ConsoleApp } from '../console-app.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { HistoryEntry, Incident } from '../types.js';

function openDialog(dialog: HTMLDialogElement): void {
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
}

function summary(app: ConsoleApp, incident: Incident): HTMLElement {
  const d = t();
  return h(
    'p',
    { class: 'dialog-summary' },
    h('span', { class: `badge sev sev-${incident.severity}` }, d.severity[incident.severity]),
    ` ${d.kind[incident.kind]} · ${app.personName(incident.superviseeId)} · ${dateTime(incident.openedAt)}`,
  );
}

/** Runs `action`; on failure shows why inside the dialog and keeps it open. */
function submitting(dialog: HTMLDialogElement, error: HTMLElement, action: () => Promise<unknown>) {
  return async (event: Event) => {
    event.preventDefault();
    const buttons = [...dialog.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    try {
      await action();
      dialog.close();
    } catch (err) {
      error.textContent = t().dialog.failed + (err instanceof Error ? err.message : String(err));
      for (const b of buttons) b.disabled = false;
    }
  };
}

/**
 * A change that needs a stated reason (revoking an EM order, calling off leave: decision 0015), in
 * the same kind of dialog: `send` gets the reason and makes the request; its error stays on screen.
 */
export function reasonDialog(
  opts: { readonly title: string; readonly body: string; readonly confirm: string; readonly testid: string },
  send: (reason: string) => Promise<unknown>,
): void {
  const d = t();
  const error = h('p', { class: 'form-error', role: 'alert' });
  const reason = h('textarea', { name: 'reason', rows: 3, required: true, maxlength: 500 });
  const dialog = h('dialog', { class: 'dialog', 'data-testid': opts.testid });
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', {}, opts.title),
    h('p', { class: 'dialog-note' }, opts.body),
    h('label', {}, d.dialog.reason, reason),
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'ghost', onclick: () => dialog.close() }, d.dialog.cancel),
      h('button', { type: 'submit', class: 'primary' }, opts.confirm),
    ),
  );
  form.addEventListener(
    'submit',
    submitting(dialog, error, async () => {
      if (!reason.value.trim()) throw new Error(d.dialog.reasonRequired);
      await send(reason.value.trim());
    }),
  );
  dialog.append(form);
  openDialog(dialog);
}

export function acknowledgeDialog(app: ConsoleApp, incident: Incident): void {
  const d = t().dialog;
  const error = h('p', { class: 'form-error', role: 'alert' });
  const dialog = h('dialog', { class: 'dialog', 'data-testid': 'ack-dialog' });
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', {}, d.ackTitle),
    summary(app, incident),
    h('p', {}, d.ackBody),
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'ghost', onclick: () => dialog.close() }, d.cancel),
      h('button', { type: 'submit', class: 'primary' }, d.ackConfirm),
    ),
  );
  form.addEventListener(
    'submit',
    submitting(dialog, error, () => app.api.post(`/incidents/${incident.id}/acknowledge`)),
  );
  dialog.append(form);
  openDialog(dialog);
}

/**
 * Resolving an incident, or (`record`) recording the officer's disposition on one the rules closed
 * when its condition ended: the same request, which the service takes once (incident-actions.ts).
 * Only the dispositions the service will take now are offered (schemas/resolution.ts): while a
 * violation an officer must close goes on, a false alarm or a device fault, and the dialog says why.
 */
export function resolveDialog(app: ConsoleApp, incident: Incident, record = false): void {
  const d = t();
  const error = h('p', { class: 'form-error', role: 'alert' });
  const choices = record
    ? dispositionsFor(incident.kind, false)
    : dispositionsFor(incident.kind, incident.conditionActive);
  const restricted = !record && choices.length < dispositionsFor(incident.kind, false).length;
  const disposition = h(
    'select',
    { name: 'disposition', required: true },
    h('option', { value: '' }, d.dialog.choose),
    choices.map((k) => h('option', { value: k }, d.disposition[k])),
  );
  const note = h('textarea', {
    name: 'note',
    rows: 4,
    required: true,
    maxlength: 2000,
    placeholder: d.dialog.notePlaceholder,
  });
  const dialog = h('dialog', { class: 'dialog', 'data-testid': 'resolve-dialog' });
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', {}, record ? d.dialog.recordTitle : d.dialog.resolveTitle),
    summary(app, incident),
    record ? h('p', { class: 'dialog-note' }, d.dialog.recordBody) : null,
    restricted
      ? h('p', { class: 'dialog-note warn', 'data-testid': 'ongoing-note' }, d.dialog.ongoingBody)
      : null,
    h('label', {}, d.dialog.disposition, disposition),
    h('label', {}, d.dialog.note, note),
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'ghost', onclick: () => dialog.close() }, d.dialog.cancel),
      h('button', { type: 'submit', class: 'primary' }, d.dialog.resolveConfirm),
    ),
  );
  form.addEventListener(
    'submit',
    submitting(dialog, error, async () => {
      if (!disposition.value || !note.value.trim()) throw new Error(d.dialog.required);
      await app.api.post(`/incidents/${incident.id}/resolve`, {
        disposition: disposition.value,
        note: note.value.trim(),
      });
    }),
  );
  dialog.append(form);
  openDialog(dialog);
}

function historyItem(entry: HistoryEntry, names: ReadonlyMap<string, string>): HTMLElement {
  const d = t();
  const who = d.actor[entry.actor] ?? names.get(entry.actor) ?? entry.actor.slice(0, 8);
  const data = entry.data;
  const details: string[] = [];
  // 'disposition_recorded': what the officer did about an incident the rules closed (incident-actions.ts).
  const closing = entry.action === 'resolved' || entry.action === 'disposition_recorded';
  if (closing && typeof data.disposition === 'string') {
    details.push(d.disposition[data.disposition as keyof typeof d.disposition] ?? data.disposition);
  }
  for (const key of ['note', 'comment'] as const)
    if (typeof data[key] === 'string') details.push(String(data[key]));
  if (entry.action === 'escalated') details.push(d.badge.escalated[Number(data.escalation_level)] ?? '');
  return h(
    'li',
    { 'data-action': entry.action },
    h('time', {}, dateTime(entry.at)),
    h('strong', {}, d.action[entry.action] ?? entry.action),
    h('span', { class: 'muted' }, who),
    details.length ? h('div', { class: 'history-detail' }, details.join(' · ')) : null,
  );
}

/**
 * The history holds the incident as it was at each step, evidence (positions) included, so the API
 * records why it is read (Art. 54, as for a track). Opened from the incident's card, the reason is
 * handling that incident, or, for a read-only role (the procuratorate), reviewing how it was handled.
 */
export function historyPurpose(app: Pick<ConsoleApp, 'readOnly'>, incident: Pick<Incident, 'id'>): string {
  return app.readOnly
    ? `oversight review of incident ${incident.id}'s handling`
    : `handling incident ${incident.id}`;
}

export async function historyDialog(app: ConsoleApp, incident: Incident): Promise<void> {
  const d = t().dialog;
  const list = h('ol', { class: 'history' });
  const dialog = h(
    'dialog',
    { class: 'dialog wide', 'data-testid': 'history-dialog' },
    h('h2', {}, d.historyTitle),
    summary(app, incident),
    list,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => dialog.close() }, d.close),
    ),
  );
  openDialog(dialog);
  const detail = await app.api.get<{ history: HistoryEntry[] }>(`/incidents/${incident.id}`, {
    purpose: historyPurpose(app, incident),
  });
  const names = await app.actorNames([...new Set(detail.history.map((e) => e.actor))]);
  const items = detail.history.map((entry) => historyItem(entry, names));
  list.replaceChildren(...(items.length ? items : [h('li', {}, d.noHistory)]));
}
