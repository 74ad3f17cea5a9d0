// Boot and page routing. Pages are real paths (/, /people/<id>) handled with the history API; the
// server answers each with the same page (console-plugin.ts), so reload and bookmarks work.
import { readConfig } from './config.js';
import { ConsoleApp } from './console-app.js';
import { onLangChange } from './i18n/index.js';
import { clearSession, loadSession, type Session, saveSession } from './session.js';
import { loginPage } from './views/login.js';
import { oversightPage } from './views/oversight.js';
import { overviewPage } from './views/overview.js';
import { personPage } from './views/person.js';
import { shell } from './views/shell.js';

interface Page {
  root: HTMLElement;
  mount(): void;
  dispose(): void;
}

const config = readConfig();
const host = document.getElementById('app')!;
let app: ConsoleApp | null = null;
let frame: ReturnType<typeof shell> | null = null;
let page: Page | null = null;

function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, '', path);
  render();
}

function signOut(): void {
  clearSession();
  app?.stop();
  app = null;
  render();
}

function signIn(session: Session): void {
  saveSession(session);
  navigate('/');
}

function pageFor(console: ConsoleApp): Page {
  const person = /^\/people\/([^/]+)$/.exec(location.pathname);
  if (person) return personPage(console, decodeURIComponent(person[1]!));
  if (location.pathname === '/oversight') return oversightPage(console, navigate);
  return overviewPage(console, navigate);
}

/** Rebuilds the screen for the current path, session and language. */
function render(): void {
  page?.dispose();
  frame?.dispose();
  page = null;
  frame = null;
  const session = loadSession();
  if (!session) {
    app?.stop();
    app = null;
    host.replaceChildren(loginPage(signIn));
    return;
  }
  if (!app) {
    app = new ConsoleApp(session, config, signOut);
    app.start();
  }
  frame = shell(app, signOut);
  page = pageFor(app);
  frame.page.append(page.root);
  host.replaceChildren(frame.root);
  page.mount();
}

// In-app links navigate without a page load; modified clicks (new tab) keep their default.
document.addEventListener('click', (event) => {
  const link = (event.target as Element).closest?.('a[data-nav]');
  if (
    !link ||
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey
  )
    return;
  event.preventDefault();
  navigate(link.getAttribute('href') ?? '/');
});
window.addEventListener('popstate', render);
onLangChange(render);
render();
