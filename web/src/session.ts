// The signed-in user and their bearer token. Kept in sessionStorage: it survives a reload of the
// tab but not closing it, so a shared office computer does not stay signed in.
import type { Role } from '../../schemas/enums.js';

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: { id: string; username: string; role: Role; orgUnitId: string };
}

const KEY = 'em.session';

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const session = JSON.parse(raw) as Session;
  return Date.parse(session.expiresAt) > Date.now() ? session : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export const isReadOnly = (session: Session): boolean => session.user.role === 'auditor';
