// The frame around every page: the top bar (connection indicator, sound, language, user), the red
// banner while critical incidents wait for acknowledgement, and the read-only notice for auditors.
import { soundEnabled, unlockSound } from '../alarm.js';
import type { ConsoleApp } from '../console-app.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import type { LinkState } from '../live.js';
import { languageButton, navLink } from './widgets.js';

/** How long "resumed: N missed" stays on the indicator after a reconnect. */
const RESUMED_NOTICE_MS = 20_000;

function connectionText(state: LinkState, cursor: number | null, now: number): string {
  const d = t().conn;
  switch (state.kind) {
    case 'connecting':
      return d.connecting;
    case 'catching_up':
      return d.catchingUp;
    case 'reconnecting':
      return d.reconnecting(state.attempt, Math.max(0, Math.ceil((state.retryAt - now) / 1000)));
    case 'expired':
      return d.expired;
    case 'live':
      return state.resumed && now - state.resumed.at < RESUMED_NOTICE_MS
        ? d.resumed(state.resumed.missed, state.resumed.since)
        : `${d.live} · ${d.cursor(cursor ?? state.cursor)}`;
  }
}

export function shell(
  app: ConsoleApp,
  onSignOut: () => void,
): { root: HTMLElement; page: HTMLElement; dispose(): void } {
  const d = t();
  const indicator = h('div', { class: 'conn', role: 'status', 'aria-live': 'polite' });
  const renderIndicator = () => {
    const state = app.live.state;
    indicator.dataset.state =
      state.kind === 'live' && state.resumed && Date.now() - state.resumed.at < RESUMED_NOTICE_MS
        ? 'resumed'
        : state.kind;
    replaceChildren(
      indicator,
      h('span', { class: 'dot' }),
      connectionText(state, app.live.lastCursor, Date.now()),
    );
  };
  const sound = h('button', { type: 'button', class: 'ghost sound-toggle' });
  const renderSound = () => {
    const on = soundEnabled();
    sound.dataset.on = String(on);
    sound.textContent = on ? d.nav.soundOn : d.nav.soundOff;
  };
  sound.addEventListener('click', () => {
    unlockSound();
    setTimeout(renderSound, 100);
  });
  const banner = h('div', { class: 'alarm-banner', role: 'alert', hidden: true });
  const renderBanner = () => {
    const n = app.store.criticalUnacknowledged();
    banner.hidden = n === 0;
    banner.textContent = `⚠ ${d.alarm.banner(n)}`;
    document.title = `${n > 0 ? `(${n}) ` : ''}${d.app.name} · ${d.app.console}`;
  };
  const user = app.session.user;
  const top = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'brand' },
      h('span', { class: 'emblem' }, '矫'),
      h('strong', {}, d.app.name),
      h('span', { class: 'sub' }, d.app.console),
    ),
    h('nav', {}, navLink('/', d.nav.overview), navLink('/oversight', d.oversight.nav)),
    h('div', { class: 'spacer' }),
    indicator,
    app.readOnly ? null : sound,
    languageButton(),
    h('div', { class: 'user' }, h('strong', {}, user.username), h('span', {}, d.role[user.role])),
    h('button', { type: 'button', class: 'ghost', onclick: onSignOut }, d.nav.logout),
  );
  const page = h('main', { class: 'page' });
  const root = h(
    'div',
    { class: 'app' },
    top,
    banner,
    app.readOnly ? h('div', { class: 'readonly-banner' }, d.readOnly) : null,
    page,
  );
  renderIndicator();
  renderSound();
  renderBanner();
  const offLink = app.onLink(renderIndicator);
  const offStore = app.store.subscribe(renderBanner);
  // The retry countdown and the fading "resumed" notice change with time, not only with events.
  const tick = setInterval(() => {
    renderIndicator();
    renderSound();
  }, 1000);
  return {
    root,
    page,
    dispose() {
      offLink();
      offStore();
      clearInterval(tick);
    },
  };
}
