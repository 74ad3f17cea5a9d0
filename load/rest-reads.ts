// REST reads an officer's console makes: the incident queue and supervisee list, scoped and audited.
// Thresholds: no errors, p95 under 200 ms.
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { BASE_URL, login } from './common.js';

export const options: Options = {
  vus: Number(__ENV.VUS ?? 50),
  duration: __ENV.DURATION ?? '1m',
  thresholds: {
    http_req_failed: ['rate==0'],
    'http_req_duration{name:incidents}': ['p(95)<200'],
    'http_req_duration{name:supervisees}': ['p(95)<200'],
  },
};

export function setup(): { token: string } {
  return { token: login() };
}

export default function (data: { token: string }): void {
  const headers = { authorization: `Bearer ${data.token}` };
  const incidents = http.get(`${BASE_URL}/api/v1/incidents?state=open&limit=50`, {
    headers,
    tags: { name: 'incidents' },
  });
  check(incidents, { 'incidents 200': (r) => r.status === 200 });
  const people = http.get(`${BASE_URL}/api/v1/supervisees?limit=50`, {
    headers,
    tags: { name: 'supervisees' },
  });
  check(people, { 'supervisees 200': (r) => r.status === 200 });
}
