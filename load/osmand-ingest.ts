// OsmAnd HTTP ingest as Traccar Client sends it: GET with query parameters, one fix per request.
// Thresholds: no failed requests, p99 under 250 ms (a 200 means the fix is committed).
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { type DeviceCredential, OSMAND_URL } from './common.js';

const devices = new SharedArray<DeviceCredential>(
  'devices',
  () => JSON.parse(open(__ENV.DEVICES_FILE ?? './devices.json')) as DeviceCredential[],
);

export const options: Options = {
  scenarios: {
    fleet: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE ?? 500),
      timeUnit: '1s',
      duration: __ENV.DURATION ?? '1m',
      preAllocatedVUs: 50,
      maxVUs: 400,
    },
  },
  thresholds: {
    http_req_failed: ['rate==0'],
    http_req_duration: ['p(99)<250'],
  },
};

export default function (): void {
  const device = devices[(__VU * 7919 + __ITER) % devices.length]!;
  const ts = Math.floor(Date.now() / 1000);
  const lat = 30.12 + ((__ITER % 100) - 50) * 1e-5;
  const lon = 104.63 + ((__VU % 100) - 50) * 1e-5;
  const query = `id=${device.id}&timestamp=${ts}&lat=${lat}&lon=${lon}&speed=0.5&bearing=90&altitude=380&accuracy=10&batt=80`;
  const res = http.get(`${OSMAND_URL}/?${query}&key=${device.secret}`, { tags: { name: 'osmand' } });
  check(res, { 'committed (200)': (r) => r.status === 200 });
}
