// Shared settings for the k6 scripts. k6 runs these files itself (not Node), so they import nothing
// from src/ or schemas/ (zod does not run in k6); the payloads follow schemas/wire by hand.
// Load goes to loopback only (DEVELOPERS.md): BASE_URL and OSMAND_URL default to 127.0.0.1.
import http from 'k6/http';

export const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8080';
export const OSMAND_URL = __ENV.OSMAND_URL ?? 'http://127.0.0.1:5055';

export function login(): string {
  const res = http.post(
    `${BASE_URL}/api/v1/auth/login`,
    JSON.stringify({ username: __ENV.EM_USER ?? 'admin', password: __ENV.EM_PASSWORD ?? '' }),
    { headers: { 'content-type': 'application/json' } },
  );
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${String(res.body)}`);
  return (res.json() as { token: string }).token;
}

/** Devices for OsmAnd load: a JSON file of [{ "id": "...", "secret": "..." }] (from `npm run simulate`). */
export interface DeviceCredential {
  id: string;
  secret: string;
}
