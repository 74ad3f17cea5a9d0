// Sign-in: POST /api/v1/auth/login. The click that signs in also unlocks the alarm sound, which
// browsers allow only after a user gesture.
import { unlockSound } from '../alarm.js';
import { Api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { languageButton } from './widgets.js';

export function loginPage(onSignedIn: (session: Session) => void): HTMLElement {
  const d = t();
  const error = h('p', { class: 'form-error', role: 'alert' });
  const username = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: true,
    autofocus: true,
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, d.login.submit);
  const form = h(
    'form',
    {
      class: 'login-card',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        unlockSound();
        submit.disabled = true;
        error.textContent = '';
        try {
          const session = await new Api(null).post<Session>('/auth/login', {
            username: username.value.trim(),
            password: password.value,
          });
          onSignedIn(session);
        } catch (err) {
          const throttled = err instanceof ApiError && err.status === 429;
          error.textContent = throttled ? d.login.throttled(err.retryAfterS ?? 60) : d.login.failed;
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'login-brand' },
      h('span', { class: 'emblem' }, '矫'),
      h('div', {}, h('strong', {}, d.app.name), h('span', {}, d.app.console)),
    ),
    h('h1', {}, d.login.title),
    h('label', {}, d.login.username, username),
    h('label', {}, d.login.password, password),
    error,
    submit,
    h('p', { class: 'login-notice' }, d.login.notice),
  );
  return h('div', { class: 'login-page' }, h('div', { class: 'login-lang' }, languageButton()), form);
}
