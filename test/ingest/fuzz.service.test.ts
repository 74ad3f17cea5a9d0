// Fuzz (issue 3, "Done when"): random and hostile payloads thrown at every device source of the running
// service — native telemetry and events, OwnTracks, OsmAnd GET / POST form / POST JSON, and topics of
// other devices — interleaved with good fixes from the same devices. Each fast-check run sends its ops
// concurrently (so good and bad items share pipeline batches) and checks, once every publish is
// acknowledged and every HTTP request answered:
//   - every good fix is in `fixes` exactly once, and nothing else was stored;
//   - the increase of em_refusals_total (all reasons but duplicate and rate_limited) is at least
//     the number of bad items sent, and dead_letters grew by at least the bad items that are not
//     not_a_location; no refusal was counted as a duplicate;
//   - HTTP answers 200 `ok` to a good fix; a bad one 400/401 (no proven device), or 200 `refused: <reason>`
//     once its dead letter is committed (Traccar Client resends anything else forever); never 5xx.
// After the runs: /healthz and /readyz answer 200, the honest device connections still work, no stored
// fix is out of range, and Object.prototype is not polluted.
//
// The last describe holds service bugs the fuzzing found, as `it.fails` with a minimal reproduction:
// they pass while the bug is there, and fail once it is fixed (then turn them into `it`, and remove the
// matching exclusion from the generators above: see KNOWN BUG notes).
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../schemas/wire/native.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  OPEN_FLOOD_GUARD,
  startTestService,
  type TestService,
  ZIYANG,
} from '../support/service.js';

const SEED = 20_261_128;
const RUNS = 60;
const MAX_OPS_PER_RUN = 8;
const SKEW_S = 300;
const MAX_AGE_DAYS = 30;
const DAY_MS = 86_400_000;
const OP_TIMEOUT_MS = 8_000;

// ---------------------------------------------------------------------------------------------------
// Service and devices

let svc: TestService;
/** Alice: ankle monitor on native MQTT, phone on OwnTracks (owntracks/alice/phone). */
let alice: MonitoredPerson;
/** Carol: her ankle is the forger of other devices' topics; her phone speaks OsmAnd over HTTP. */
let carol: MonitoredPerson;
let ankle: MqttClient;
let otPhone: MqttClient;
const throwaway: MqttClient[] = [];

const telemetryTopic = () => `em/v1/devices/${alice.ankle.id}/telemetry`;
const eventsTopic = () => `em/v1/devices/${alice.ankle.id}/events`;
const OWNTRACKS_TOPIC = 'owntracks/alice/phone';

function connect(id: string, secret: string): Promise<MqttClient> {
  return mqtt.connectAsync(svc.mqttUrl, {
    clientId: `${id}-fuzz-${Math.random().toString(36).slice(2, 8)}`,
    username: id,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
}

function withTimeout<T>(p: Promise<T>, label: string, ms = OP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const publish = (c: MqttClient, topic: string, payload: string | Uint8Array, label: string) =>
  withTimeout(
    c.publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos: 1 }),
    `publish ${label}`,
  );

// ---------------------------------------------------------------------------------------------------
// Time, sequence and position of good data: allocated when an op runs, never by the generator, so a
// replayed or shrunk case still sends fresh, unique fix times (whole seconds, for OwnTracks `tst`).

let clockMs = 0;
let seqNo = 1_000;
const nextTs = () => {
  clockMs += 1000;
  return clockMs;
};
const nextSeq = () => ++seqNo;
const near = (k: number) => ({ lat: ZIYANG.lat + (k % 97) * 1e-5, lon: ZIYANG.lon + (k % 89) * 1e-5 });

interface Sent {
  refusals: number;
  deadLetters: number;
  goodFixes: Array<{ deviceId: string; ts: number }>;
  goodEvents: Array<{ deviceId: string; ts: number; type: string }>;
}
const bad = (refusals = 1, deadLetters = refusals): Sent => ({
  refusals,
  deadLetters,
  goodFixes: [],
  goodEvents: [],
});

// ---------------------------------------------------------------------------------------------------
// Hostile payload material

/** KNOWN BUG (see "NUL byte"): a NUL byte in a refused payload wedges the pipeline; kept out here. */
const noNul = (b: Uint8Array) => b.map((x) => (x === 0 ? 0x20 : x));

const nest = (open: string, close: string, n: number, core = '') => open.repeat(n) + core + close.repeat(n);
const goodLooking = () =>
  JSON.stringify({ ts: Date.now() - 60_000, lat: 30.1, lon: 104.6, acc: 5, src: 'gnss', seq: 1 });

/** Hostile texts valid for any JSON source; each is refused as a whole message (one refusal). */
const HOSTILE_TEXTS: Record<string, () => string> = {
  empty: () => '',
  whitespace: () => ' \n\t ',
  bom: () => '\ufeff',
  deepArrays5000: () => nest('[', ']', 5000),
  deepObjects5000: () => nest('{"a":', '}', 5000, '1'),
  deepUnclosed60000: () => '['.repeat(60_000),
  deepInFixes: () => `{"fixes":[${nest('[', ']', 5000)}]}`,
  deepInLat: () => goodLooking().replace(/"lat":[^,]+/, `"lat":${nest('{"a":', '}', 5000, '1')}`),
  huge1e400: () => goodLooking().replace(/"lat":[^,]+/, '"lat":1e400'),
  hugeAcc1e400: () => goodLooking().replace(/"acc":[^,]+/, '"acc":1e400'),
  hugeSeq: () => goodLooking().replace(/"seq":[^,}]+/, '"seq":1e400'),
  nanText: () => goodLooking().replace(/"lat":[^,]+/, '"lat":NaN'),
  infinityText: () => goodLooking().replace(/"acc":[^,]+/, '"acc":Infinity'),
  negInfinityText: () => goodLooking().replace(/"lon":[^,]+/, '"lon":-Infinity'),
  stringsForNumbers: () =>
    JSON.stringify({ ts: 'now', lat: '30.1', lon: '104.6', acc: 'five', src: 'gnss', seq: '1' }),
  protoPollution: () => '{"__proto__":{"polluted":1}}',
  constructorPollution: () => '{"constructor":{"prototype":{"polluted":1}}}',
  protoInBatch: () => '{"fixes":[{"__proto__":{"polluted":1}},{"constructor":{"prototype":{"polluted":1}}}]}',
  protoAsBatch: () => '{"fixes":{"__proto__":[1,2,3],"length":2}}',
  protoType: () => '{"_type":{"__proto__":{"polluted":1}}}',
  giantFixes600: () => `{"fixes":[${Array.from({ length: 600 }, () => '{"seq":1}').join(',')}]}`,
  giantEvents600: () => `{"events":[${Array.from({ length: 600 }, () => '{"seq":1}').join(',')}]}`,
  giantValidLooking600: () => `{"fixes":[${Array.from({ length: 600 }, goodLooking).join(',')}]}`,
  emptyBatch: () => '{"fixes":[],"events":[]}',
  oversize: () => JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) }),
  oversizeValidFix: () => goodLooking().replace('}', `,"pad":"${'y'.repeat(MAX_MESSAGE_BYTES)}"}`),
  topLevelNumber: () => '42',
  topLevelString: () => '"location"',
  topLevelNull: () => 'null',
  topLevelArray: () => `[${goodLooking()}]`,
  truncated: () => goodLooking().slice(0, 30),
  trailingGarbage: () => `${goodLooking()}}}`,
  duplicateKeys: () => '{"lat":30.1,"lat":"x","lon":104.6}',
  loneSurrogate: () => '{"ts":"\\ud800","lat":"\\udfff"}',
};
const hostileTextArb = fc.constantFrom(...Object.keys(HOSTILE_TEXTS));

type Hostile =
  | { readonly t: 'bytes'; readonly b: Uint8Array }
  | { readonly t: 'json'; readonly v: fc.JsonValue }
  | { readonly t: 'text'; readonly k: string };

const hostileArb: fc.Arbitrary<Hostile> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ t: 'bytes' as const, b: noNul(b) })),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ t: 'json' as const, v })) },
  { weight: 1, arbitrary: hostileTextArb.map((k) => ({ t: 'text' as const, k })) },
);

function hostilePayload(h: Hostile): string | Uint8Array {
  if (h.t === 'bytes') return h.b;
  if (h.t === 'json') return JSON.stringify(h.v);
  return HOSTILE_TEXTS[h.k]!();
}

const OWNTRACKS_NON_LOCATION = [
  'transition',
  'waypoint',
  'waypoints',
  'lwt',
  'card',
  'status',
  'cmd',
  'beacon',
  'steps',
  'configuration',
  'request',
  'dump',
];

/** OwnTracks messages of another known `_type` are counted but not dead-lettered (not_a_location). */
function owntracksDeadLetters(payload: string | Uint8Array): number {
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    const v = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, '_type')) {
      const type = (v as Record<string, unknown>)._type;
      if (typeof type === 'string' && OWNTRACKS_NON_LOCATION.includes(type)) return 0;
    }
  } catch {
    // not JSON: malformed_json, dead-lettered
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------------
// Native telemetry: good fixes, and fixes with one field broken (as JSON text, so 1e400 can be written)

const BROKEN_FIX = [
  'lat91',
  'lon-181',
  'nullIsland',
  'acc0',
  'acc-5',
  'accHuge',
  'accNull',
  'tsFuture',
  'tsOld40d',
  'tsGarbage',
  'tsLocalNoOffset',
  'tsNegative',
  'srcSatellite',
  'seq-1',
  'seqFloat',
  'latString',
  'latMissing',
  'tsMissing',
  'lat1e400',
  'forgedDeviceId',
  'forgedDevice_id',
  'forgedDevice',
  'itemIsNumber',
  'itemIsArray',
] as const;
type BrokenFix = (typeof BROKEN_FIX)[number];

function goodNativeFix(epochMsTs: boolean, extra: Record<string, unknown> = {}) {
  const ts = nextTs();
  const fix = {
    ts: epochMsTs ? ts : new Date(ts).toISOString(),
    ...near(ts / 1000),
    acc: 8,
    src: 'gnss',
    seq: nextSeq(),
    spd: 0.5,
    hdg: 90,
    alt: 400,
    batt: 80,
    // Out-of-range informational readings (batt 101 while charging...) are dropped, the fix kept.
    ...(epochMsTs ? { hdg: 400, batt: 101, spd: -1, alt: 'high' } : {}),
    ...extra,
  };
  return { ts, text: JSON.stringify(fix) };
}

function brokenFixText(kind: BrokenFix): string {
  const now = Date.now();
  const base: Record<string, unknown> = {
    ts: new Date(now - 30_000).toISOString(),
    lat: 30.12,
    lon: 104.63,
    acc: 8,
    src: 'gnss',
    seq: nextSeq(),
  };
  const other = carol.ankle.id;
  const patch: Record<BrokenFix, Record<string, unknown> | string> = {
    lat91: { lat: 91 },
    'lon-181': { lon: -181 },
    nullIsland: { lat: 0, lon: 0 },
    acc0: { acc: 0 },
    'acc-5': { acc: -5 },
    accHuge: { acc: 1e9 },
    accNull: { acc: null },
    tsFuture: { ts: new Date(now + 3_600_000).toISOString() },
    tsOld40d: { ts: new Date(now - 40 * DAY_MS).toISOString() },
    tsGarbage: { ts: 'yesterday' },
    tsLocalNoOffset: { ts: '2026-01-01T10:00:00' },
    tsNegative: { ts: -1 },
    srcSatellite: { src: 'satellite' },
    'seq-1': { seq: -1 },
    seqFloat: { seq: 1.5 },
    latString: { lat: '30.12' },
    latMissing: { lat: undefined },
    tsMissing: { ts: undefined },
    lat1e400: 'LAT1E400',
    forgedDeviceId: { deviceId: other },
    forgedDevice_id: { device_id: other },
    forgedDevice: { device: other },
    itemIsNumber: '7',
    itemIsArray: '[30.12,104.63]',
  };
  const p = patch[kind];
  if (p === 'LAT1E400') return JSON.stringify(base).replace(/"lat":[^,]+/, '"lat":1e400');
  if (typeof p === 'string') return p;
  return JSON.stringify({ ...base, ...p });
}

// ---------------------------------------------------------------------------------------------------
// Native events

const BROKEN_EVENT = [
  'typeUnknown',
  'typeMissing',
  'seq-1',
  'tsFuture',
  'tsOld40d',
  'tsGarbage',
  'forgedDeviceId',
  'seqString',
] as const;
type BrokenEvent = (typeof BROKEN_EVENT)[number];

/** An overlong or non-text detail only informs the officer: it is cut or dropped, the event kept. */
const GOOD_EVENT_DETAILS = [undefined, 'strap ok', 'z'.repeat(501), 12] as const;

function goodEvent() {
  const ts = nextTs();
  const seq = nextSeq();
  const detail = GOOD_EVENT_DETAILS[seq % GOOD_EVENT_DETAILS.length];
  return {
    ts,
    type: 'heartbeat',
    text: JSON.stringify({ ts: new Date(ts).toISOString(), seq, type: 'heartbeat', detail }),
  };
}

function brokenEventText(kind: BrokenEvent): string {
  const now = Date.now();
  const base: Record<string, unknown> = {
    ts: new Date(now - 30_000).toISOString(),
    seq: nextSeq(),
    type: 'heartbeat',
  };
  const patch: Record<BrokenEvent, Record<string, unknown>> = {
    typeUnknown: { type: 'explode' },
    typeMissing: { type: undefined },
    'seq-1': { seq: -1 },
    tsFuture: { ts: new Date(now + 3_600_000).toISOString() },
    tsOld40d: { ts: new Date(now - 40 * DAY_MS).toISOString() },
    tsGarbage: { ts: 'soon' },
    forgedDeviceId: { deviceId: carol.ankle.id },
    seqString: { seq: '3' },
  };
  return JSON.stringify({ ...base, ...patch[kind] });
}

// ---------------------------------------------------------------------------------------------------
// OwnTracks

const BROKEN_OT = [
  'lat91',
  'lon-181',
  'nullIsland',
  'acc0',
  'acc-5',
  'accMissing',
  'tstFuture',
  'tstOld40d',
  'tstString',
  'tstMillis',
  'latString',
  'latMissing',
  'tstMissing',
  'typeMissing',
  'typeNumber',
  'typeUnknown',
  'encrypted',
  'lat1e400',
] as const;
type BrokenOt = (typeof BROKEN_OT)[number];

function goodOwnTracks(garbageInformational: boolean) {
  const ts = nextTs();
  const message: Record<string, unknown> = {
    _type: 'location',
    ...near(ts / 1000 + 7),
    tst: ts / 1000,
    acc: 12,
    alt: 380,
    batt: 76,
    bs: 1,
    vel: 4,
    cog: 10,
    tid: 'al',
    t: 'u',
    conn: 'm',
    created_at: Math.floor(Date.now() / 1000),
  };
  if (garbageInformational) {
    // Informational fields are dropped when malformed, never costing the fix.
    Object.assign(message, {
      batt: 'full',
      bs: 9,
      vel: -3,
      cog: 720,
      alt: 'high',
      tid: { x: 1 },
      inregions: 'home',
    });
  }
  return { ts, text: JSON.stringify(message) };
}

function brokenOwnTracksText(kind: BrokenOt): string {
  const now = Date.now();
  const base: Record<string, unknown> = {
    _type: 'location',
    lat: 30.12,
    lon: 104.63,
    tst: Math.floor(now / 1000) - 30,
    acc: 10,
  };
  const patch: Record<BrokenOt, Record<string, unknown> | string> = {
    lat91: { lat: 91 },
    'lon-181': { lon: -181 },
    nullIsland: { lat: 0, lon: 0 },
    acc0: { acc: 0 },
    'acc-5': { acc: -5 },
    accMissing: { acc: undefined },
    tstFuture: { tst: Math.floor(now / 1000) + 3600 },
    tstOld40d: { tst: Math.floor((now - 40 * DAY_MS) / 1000) },
    tstString: { tst: String(Math.floor(now / 1000)) },
    tstMillis: { tst: now },
    latString: { lat: '30.12' },
    latMissing: { lat: undefined },
    tstMissing: { tst: undefined },
    typeMissing: { _type: undefined },
    typeNumber: { _type: 5 },
    typeUnknown: { _type: 'teleport' },
    encrypted: { _type: 'encrypted', data: 'AAAA' },
    lat1e400: 'LAT1E400',
  };
  const p = patch[kind];
  if (p === 'LAT1E400') return JSON.stringify(base).replace(/"lat":[^,]+/, '"lat":1e400');
  return JSON.stringify({ ...base, ...(p as Record<string, unknown>) });
}

// ---------------------------------------------------------------------------------------------------
// OsmAnd over HTTP

type OsmMode = 'get' | 'form';
const BROKEN_OSM = [
  'lat91',
  'lon-181',
  'nullIsland',
  'acc0',
  'acc-5',
  'accNaN',
  'accMissing',
  'tsFuture',
  'tsOld40d',
  'validFalse',
  'lat1e400',
  'latComma',
  'latHex',
  'repeatLat',
  'repeatTimestamp',
  'repeatAccuracy',
  'repeatId',
  'repeatKey',
  'idMissing',
  'idBad',
  'idDeviceidDiffer',
  'wrongKey',
  'noKey',
  'unknownId',
  'protoKeys',
] as const;
type BrokenOsm = (typeof BROKEN_OSM)[number];

const GARBAGE_TIMESTAMPS = [
  'abc',
  '-1',
  '1e400',
  'NaN',
  'Infinity',
  '2026-13-45T00:00:00Z',
  '2026-01-01 10:00:00',
  '0x10',
  '',
  ' ',
  '99999999999999999999',
  '1.5.5',
  '12:00',
  '--',
  '\u202e1700000000',
];
/** `speed` and the other informational values are dropped when garbage; the fix is still good. */
const GARBAGE_NUMBERS = ['abc', 'NaN', '-5', 'Infinity', '-Infinity', '1e400', '', '0x1F', '1,5', '١٢'];

function osmParams(ts: number, tsForm: 'sec' | 'ms' | 'iso'): Array<[string, string]> {
  const p = near(ts / 1000 + 13);
  const timestamp =
    tsForm === 'sec' ? String(ts / 1000) : tsForm === 'ms' ? String(ts) : new Date(ts).toISOString();
  return [
    ['id', carol.phone!.id],
    ['timestamp', timestamp],
    ['lat', p.lat.toFixed(6)],
    ['lon', p.lon.toFixed(6)],
    ['speed', '1.5'],
    ['bearing', '90.0'],
    ['altitude', '400.0'],
    ['accuracy', '12.0'],
    ['batt', '87.0'],
  ];
}

/** The body of the last OsmAnd answer: a refused fix of a proven device is answered 200 `refused: ...`. */
let lastOsmAndBody = '';
async function answered(res: Response): Promise<number> {
  lastOsmAndBody = await res.text();
  return res.status;
}

const qs = (pairs: ReadonlyArray<readonly [string, string]>) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

async function osmSend(
  mode: OsmMode,
  pairs: Array<[string, string]>,
  keyPairs: Array<[string, string]> = [['key', carol.phone!.secret]],
  extraQuery = '',
): Promise<number> {
  const keyQs = qs(keyPairs);
  const join = (a: string, b: string) => [a, b].filter(Boolean).join('&');
  const res =
    mode === 'get'
      ? await fetch(`${svc.osmandUrl}/?${join(join(qs(pairs), keyQs), extraQuery)}`)
      : await fetch(`${svc.osmandUrl}/?${join(keyQs, extraQuery)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: qs(pairs),
        });
  return answered(res);
}

async function osmSendForm(body: string | Uint8Array, contentType: string, byPath: boolean): Promise<number> {
  const phone = carol.phone!;
  const url = byPath
    ? `${svc.osmandUrl}/k/${phone.secret}`
    : `${svc.osmandUrl}/?id=${phone.id}&key=${phone.secret}`;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return answered(res);
}

async function osmSendJson(body: string | Uint8Array, bearer = carol.phone!.secret): Promise<number> {
  const res = await fetch(`${svc.osmandUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body,
  });
  return answered(res);
}

function brokenOsmPairs(
  kind: BrokenOsm,
  ts: number,
): {
  pairs: Array<[string, string]>;
  keyPairs?: Array<[string, string]>;
  extraQuery?: string;
} {
  const pairs = osmParams(ts, 'sec');
  const set = (k: string, v: string | undefined) => {
    const i = pairs.findIndex(([key]) => key === k);
    if (v === undefined) pairs.splice(i, 1);
    else pairs[i] = [k, v];
  };
  const now = Date.now();
  switch (kind) {
    case 'lat91':
      set('lat', '91');
      break;
    case 'lon-181':
      set('lon', '-181.0');
      break;
    case 'nullIsland':
      set('lat', '0.0');
      set('lon', '0.0');
      break;
    case 'acc0':
      set('accuracy', '0');
      break;
    case 'acc-5':
      set('accuracy', '-5');
      break;
    case 'accNaN':
      set('accuracy', 'NaN');
      break;
    case 'accMissing':
      set('accuracy', undefined);
      break;
    case 'tsFuture':
      set('timestamp', String(Math.floor(now / 1000) + 3600));
      break;
    case 'tsOld40d':
      set('timestamp', String(now - 40 * DAY_MS));
      break;
    case 'validFalse':
      pairs.push(['valid', 'false']);
      break;
    case 'lat1e400':
      set('lat', '1e400');
      break;
    case 'latComma':
      set('lat', '30,12');
      break;
    case 'latHex':
      set('lat', '0x1E');
      break;
    case 'repeatLat':
      pairs.push(['lat', '30.2']);
      break;
    case 'repeatTimestamp':
      pairs.push(['timestamp', String(Math.floor(now / 1000))]);
      break;
    case 'repeatAccuracy':
      pairs.push(['accuracy', '12.0']);
      break;
    case 'repeatId':
      pairs.push(['id', carol.phone!.id]);
      break;
    case 'repeatKey':
      return {
        pairs,
        keyPairs: [
          ['key', carol.phone!.secret],
          ['key', carol.phone!.secret],
        ],
      };
    case 'idMissing':
      set('id', undefined);
      break;
    case 'idBad':
      set('id', '../../etc/passwd');
      break;
    case 'idDeviceidDiffer':
      pairs.push(['deviceid', alice.ankle.id]);
      break;
    case 'wrongKey':
      return { pairs, keyPairs: [['key', 'not-the-key']] };
    case 'noKey':
      return { pairs, keyPairs: [] };
    case 'unknownId':
      set('id', 'no-such-device-4711');
      break;
    case 'protoKeys':
      set('lat', undefined);
      return { pairs, extraQuery: '__proto__=x&constructor=y&__proto__%5Bpolluted%5D=1&prototype=z' };
  }
  return { pairs };
}

const BROKEN_OSM_JSON = [
  'lat91',
  'acc0',
  'accMissing',
  'tsGarbage',
  'tsFuture',
  'tsOld40d',
  'tsEpoch',
  'mock',
  'coordsMissing',
  'deviceIdMissing',
  'deviceIdOther',
  'latString',
  'protoKeys',
  'notObject',
] as const;
type BrokenOsmJson = (typeof BROKEN_OSM_JSON)[number];

function osmJsonBody(ts: number, garbageInformational: boolean): Record<string, unknown> {
  const p = near(ts / 1000 + 17);
  return {
    device_id: carol.phone!.id,
    location: {
      timestamp: new Date(ts).toISOString(),
      coords: {
        latitude: p.lat,
        longitude: p.lon,
        accuracy: 7,
        speed: garbageInformational ? -1 : 1.2,
        heading: garbageInformational ? -1 : 10,
        altitude: garbageInformational ? 'sky' : 390,
      },
      is_moving: garbageInformational ? 'yes' : true,
      battery: garbageInformational ? { level: -1, is_charging: 'no' } : { level: 0.66, is_charging: false },
    },
  };
}

function brokenOsmJson(kind: BrokenOsmJson): { body: string; bearer?: string } {
  const now = Date.now();
  const b = osmJsonBody(now - 30_000, false) as {
    device_id?: unknown;
    location: { timestamp: unknown; coords?: Record<string, unknown>; mock?: boolean };
  };
  const coords = b.location.coords!;
  switch (kind) {
    case 'lat91':
      coords.latitude = 91;
      break;
    case 'acc0':
      coords.accuracy = 0;
      break;
    case 'accMissing':
      delete coords.accuracy;
      break;
    case 'tsGarbage':
      b.location.timestamp = 'later';
      break;
    case 'tsFuture':
      b.location.timestamp = new Date(now + 3_600_000).toISOString();
      break;
    case 'tsOld40d':
      b.location.timestamp = new Date(now - 40 * DAY_MS).toISOString();
      break;
    case 'tsEpoch':
      b.location.timestamp = now;
      break;
    case 'mock':
      b.location.mock = true;
      break;
    case 'coordsMissing':
      delete b.location.coords;
      break;
    case 'deviceIdMissing':
      delete b.device_id;
      break;
    case 'deviceIdOther':
      // Carol's phone key, Alice's id: refused as unauthenticated.
      b.device_id = alice.phone!.id;
      break;
    case 'latString':
      coords.latitude = '30.1';
      break;
    case 'protoKeys': {
      // The coordinates only under `__proto__`: a decoder reading through the prototype chain would take them.
      const inherited = JSON.stringify({
        latitude: coords.latitude,
        longitude: coords.longitude,
        accuracy: 5,
      });
      b.location.coords = {};
      return {
        body: JSON.stringify(b)
          .replace('{', '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},')
          .replace('"coords":{', `"coords":{"__proto__":${inherited}`),
      };
    }
    case 'notObject':
      return { body: JSON.stringify([b]) };
  }
  return { body: JSON.stringify(b) };
}

// ---------------------------------------------------------------------------------------------------
// Ops: what one fast-check step does, as plain data (readable counterexamples)

type Op =
  | { readonly op: 'nativeGood'; readonly epochMs: boolean; readonly protoKeys: boolean }
  | { readonly op: 'nativeBatch'; readonly items: readonly (BrokenFix | 'good')[] }
  | { readonly op: 'nativeBroken'; readonly kind: BrokenFix }
  | { readonly op: 'nativeHostile'; readonly h: Hostile }
  | { readonly op: 'eventsBatch'; readonly items: readonly (BrokenEvent | 'good')[] }
  | { readonly op: 'eventsHostile'; readonly h: Hostile }
  | { readonly op: 'otGood'; readonly garbage: boolean }
  | { readonly op: 'otBroken'; readonly kind: BrokenOt }
  | { readonly op: 'otOtherType'; readonly type: string }
  | { readonly op: 'otHostile'; readonly h: Hostile }
  | {
      readonly op: 'osmGood';
      readonly mode: OsmMode | 'path';
      readonly ts: 'sec' | 'ms' | 'iso';
      readonly garbage: string | null;
    }
  | { readonly op: 'osmJsonGood'; readonly garbage: boolean }
  | { readonly op: 'osmBroken'; readonly mode: OsmMode; readonly kind: BrokenOsm }
  | { readonly op: 'osmGarbageTs'; readonly mode: OsmMode; readonly ts: string }
  | { readonly op: 'osmJsonBroken'; readonly kind: BrokenOsmJson }
  | { readonly op: 'osmHostile'; readonly via: 'json' | 'form' | 'octet' | 'query'; readonly h: Hostile }
  | { readonly op: 'forgedTopic'; readonly target: 'telemetry' | 'events' | 'owntracks' | 'unknownOwntracks' }
  | { readonly op: 'badLogin'; readonly who: 'wrongSecret' | 'unknownDevice' };

const batchItems = <T extends string>(broken: readonly T[]) =>
  fc
    .array(fc.oneof(fc.constant('good' as const), fc.constantFrom(...broken)), { minLength: 1, maxLength: 8 })
    .filter((items) => items.includes('good') && items.some((i) => i !== 'good'));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('nativeGood' as const),
      epochMs: fc.boolean(),
      protoKeys: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('nativeBatch' as const), items: batchItems(BROKEN_FIX) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('nativeBroken' as const), kind: fc.constantFrom(...BROKEN_FIX) }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('nativeHostile' as const), h: hostileArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('eventsBatch' as const), items: batchItems(BROKEN_EVENT) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('eventsHostile' as const), h: hostileArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('otGood' as const), garbage: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('otBroken' as const), kind: fc.constantFrom(...BROKEN_OT) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('otOtherType' as const),
      type: fc.oneof(fc.constantFrom(...OWNTRACKS_NON_LOCATION), fc.string({ maxLength: 12 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('otHostile' as const), h: hostileArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('osmGood' as const),
      mode: fc.constantFrom('get' as const, 'form' as const, 'path' as const),
      ts: fc.constantFrom('sec' as const, 'ms' as const, 'iso' as const),
      garbage: fc.option(fc.constantFrom(...GARBAGE_NUMBERS), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('osmJsonGood' as const), garbage: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('osmBroken' as const),
      mode: fc.constantFrom('get' as const, 'form' as const),
      kind: fc.constantFrom(...BROKEN_OSM),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('osmGarbageTs' as const),
      mode: fc.constantFrom('get' as const, 'form' as const),
      ts: fc.oneof(fc.constantFrom(...GARBAGE_TIMESTAMPS), fc.string({ maxLength: 20 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('osmJsonBroken' as const),
      kind: fc.constantFrom(...BROKEN_OSM_JSON),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('osmHostile' as const),
      via: fc.constantFrom('json' as const, 'form' as const, 'octet' as const, 'query' as const),
      h: hostileArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('forgedTopic' as const),
      target: fc.constantFrom(
        'telemetry' as const,
        'events' as const,
        'owntracks' as const,
        'unknownOwntracks' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('badLogin' as const),
      who: fc.constantFrom('wrongSecret' as const, 'unknownDevice' as const),
    }),
  },
);

/**
 * Every enumerated hostile case at least once, whatever the random runs draw: each hostile text at
 * every source, every broken field, garbage timestamp and informational value, each next to good fixes.
 */
function sweep(): Op[][] {
  const chunks = <T>(xs: readonly T[], n = 7): T[][] =>
    Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
  const withGood = (ops: Op[]): Op[] => [
    { op: 'nativeGood', epochMs: false, protoKeys: true },
    ...ops,
    { op: 'otGood', garbage: true },
    { op: 'osmGood', mode: 'get', ts: 'sec', garbage: null },
  ];
  const interleave = <T extends string>(kinds: readonly T[]) => kinds.flatMap((k) => ['good' as const, k]);
  const out: Op[][] = [];
  for (const k of Object.keys(HOSTILE_TEXTS)) {
    const h = { t: 'text', k } as const;
    out.push(
      withGood([
        { op: 'nativeHostile', h },
        { op: 'eventsHostile', h },
        { op: 'otHostile', h },
        { op: 'osmHostile', via: 'json', h },
        { op: 'osmHostile', via: 'form', h },
        { op: 'osmHostile', via: 'octet', h },
        { op: 'osmHostile', via: 'query', h },
      ]),
    );
  }
  out.push(withGood([{ op: 'nativeBatch', items: interleave(BROKEN_FIX) }]));
  out.push(withGood([{ op: 'eventsBatch', items: interleave(BROKEN_EVENT) }]));
  for (const c of chunks(BROKEN_FIX)) out.push(withGood(c.map((kind) => ({ op: 'nativeBroken', kind }))));
  for (const c of chunks(BROKEN_OT)) out.push(withGood(c.map((kind) => ({ op: 'otBroken', kind }))));
  for (const c of chunks(OWNTRACKS_NON_LOCATION))
    out.push(withGood(c.map((type) => ({ op: 'otOtherType', type }))));
  for (const mode of ['get', 'form'] as const) {
    for (const c of chunks(BROKEN_OSM))
      out.push(withGood(c.map((kind) => ({ op: 'osmBroken', mode, kind }))));
    for (const c of chunks(GARBAGE_TIMESTAMPS))
      out.push(withGood(c.map((ts) => ({ op: 'osmGarbageTs', mode, ts }))));
  }
  for (const c of chunks(BROKEN_OSM_JSON))
    out.push(withGood(c.map((kind) => ({ op: 'osmJsonBroken', kind }))));
  for (const c of chunks(GARBAGE_NUMBERS)) {
    out.push(
      withGood(
        c.map((garbage, i) => ({
          op: 'osmGood',
          mode: (['get', 'form', 'path'] as const)[i % 3]!,
          ts: (['sec', 'ms', 'iso'] as const)[i % 3]!,
          garbage,
        })),
      ),
    );
  }
  out.push(
    withGood([
      { op: 'osmJsonGood', garbage: true },
      { op: 'osmJsonGood', garbage: false },
      { op: 'nativeGood', epochMs: true, protoKeys: false },
      { op: 'otGood', garbage: false },
      { op: 'badLogin', who: 'wrongSecret' },
      { op: 'badLogin', who: 'unknownDevice' },
    ]),
  );
  out.push(
    withGood([
      { op: 'forgedTopic', target: 'telemetry' },
      { op: 'forgedTopic', target: 'events' },
      { op: 'forgedTopic', target: 'owntracks' },
      { op: 'forgedTopic', target: 'unknownOwntracks' },
    ]),
  );
  return out;
}

const expectRefusedStatus = (status: number, what: string) => {
  if (status === 200) expect(lastOsmAndBody, `${what}: HTTP 200`).toMatch(/^refused: /);
  else expect([400, 401], `${what}: HTTP ${status}`).toContain(status);
};
const expectOk = (status: number, what: string) => expect(status, what).toBe(200);

/** Oversize bodies: refused by the decoder as oversize_payload (HTTP 400), counted and dead-lettered. */
const HTTP_OVERSIZE = new Set(['oversize', 'oversizeValidFix']);

async function execute(op: Op): Promise<Sent> {
  const label = JSON.stringify(op, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v)).slice(
    0,
    200,
  );
  switch (op.op) {
    case 'nativeGood': {
      const extra = op.protoKeys
        ? JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')
        : {};
      const f = goodNativeFix(op.epochMs);
      const text = op.protoKeys ? f.text.replace('{', `${JSON.stringify(extra).slice(0, -1)},`) : f.text;
      await publish(ankle, telemetryTopic(), text, label);
      return {
        refusals: 0,
        deadLetters: 0,
        goodFixes: [{ deviceId: alice.ankle.id, ts: f.ts }],
        goodEvents: [],
      };
    }
    case 'nativeBatch': {
      const sent = bad(0);
      const texts = op.items.map((item) => {
        if (item !== 'good') {
          sent.refusals++;
          sent.deadLetters++;
          return brokenFixText(item);
        }
        const f = goodNativeFix(false);
        sent.goodFixes.push({ deviceId: alice.ankle.id, ts: f.ts });
        return f.text;
      });
      await publish(ankle, telemetryTopic(), `{"fixes":[${texts.join(',')}]}`, label);
      return sent;
    }
    case 'nativeBroken':
      await publish(ankle, telemetryTopic(), brokenFixText(op.kind), label);
      return bad();
    case 'nativeHostile':
      await publish(ankle, telemetryTopic(), hostilePayload(op.h), label);
      return bad();
    case 'eventsBatch': {
      const sent = bad(0);
      const texts = op.items.map((item) => {
        if (item !== 'good') {
          sent.refusals++;
          sent.deadLetters++;
          return brokenEventText(item);
        }
        const e = goodEvent();
        sent.goodEvents.push({ deviceId: alice.ankle.id, ts: e.ts, type: e.type });
        return e.text;
      });
      await publish(ankle, eventsTopic(), `{"events":[${texts.join(',')}]}`, label);
      return sent;
    }
    case 'eventsHostile':
      await publish(ankle, eventsTopic(), hostilePayload(op.h), label);
      return bad();
    case 'otGood': {
      const m = goodOwnTracks(op.garbage);
      await publish(otPhone, OWNTRACKS_TOPIC, m.text, label);
      return {
        refusals: 0,
        deadLetters: 0,
        goodFixes: [{ deviceId: alice.phone!.id, ts: m.ts }],
        goodEvents: [],
      };
    }
    case 'otBroken':
      await publish(otPhone, OWNTRACKS_TOPIC, brokenOwnTracksText(op.kind), label);
      return bad();
    case 'otOtherType': {
      const payload = JSON.stringify({
        _type: op.type,
        event: 'enter',
        desc: 'home',
        tst: Math.floor(Date.now() / 1000),
      });
      await publish(otPhone, OWNTRACKS_TOPIC, payload, label);
      return bad(1, owntracksDeadLetters(payload));
    }
    case 'otHostile': {
      const payload = hostilePayload(op.h);
      await publish(otPhone, OWNTRACKS_TOPIC, payload, label);
      return bad(1, owntracksDeadLetters(payload));
    }
    case 'osmGood': {
      const ts = nextTs();
      const pairs = osmParams(ts, op.ts);
      if (op.garbage !== null) {
        for (const k of ['speed', 'bearing', 'altitude', 'batt']) {
          const i = pairs.findIndex(([key]) => key === k);
          pairs[i] = [k, op.garbage];
        }
      }
      const status =
        op.mode === 'path'
          ? await osmSendForm(qs(pairs), 'application/x-www-form-urlencoded', true)
          : await osmSend(op.mode, pairs);
      expectOk(status, label);
      return { refusals: 0, deadLetters: 0, goodFixes: [{ deviceId: carol.phone!.id, ts }], goodEvents: [] };
    }
    case 'osmJsonGood': {
      const ts = nextTs();
      // Unknown members, `__proto__` and `constructor` among them, are stripped, never used.
      const body = JSON.stringify(osmJsonBody(ts, op.garbage)).replace(
        '{',
        '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},',
      );
      expectOk(await osmSendJson(body), label);
      return { refusals: 0, deadLetters: 0, goodFixes: [{ deviceId: carol.phone!.id, ts }], goodEvents: [] };
    }
    case 'osmBroken': {
      const { pairs, keyPairs, extraQuery } = brokenOsmPairs(op.kind, Date.now() - 30_000);
      expectRefusedStatus(await osmSend(op.mode, pairs, keyPairs, extraQuery), label);
      return bad();
    }
    case 'osmGarbageTs': {
      const pairs = osmParams(Date.now() - 30_000, 'sec');
      pairs[1] = ['timestamp', op.ts];
      expectRefusedStatus(await osmSend(op.mode, pairs), label);
      return bad();
    }
    case 'osmJsonBroken': {
      const { body } = brokenOsmJson(op.kind);
      expectRefusedStatus(await osmSendJson(body), label);
      return bad();
    }
    case 'osmHostile': {
      if (op.h.t === 'text' && HTTP_OVERSIZE.has(op.h.k)) {
        // Not sent as a query: Node refuses a 1 MiB URL with 431 before any handler (transport limit).
        const status =
          op.via === 'query'
            ? 0
            : op.via === 'json'
              ? await osmSendJson(hostilePayload(op.h))
              : await osmSendForm(hostilePayload(op.h), 'application/x-www-form-urlencoded', false);
        // The decoder refuses it (oversize_payload): counted and dead-lettered, answered 400.
        if (status === 0) return bad(0);
        expect(status, label).toBe(400);
        return bad(1);
      }
      const payload = hostilePayload(op.h);
      let status: number;
      if (op.via === 'json') status = await osmSendJson(payload);
      else if (op.via === 'form')
        status = await osmSendForm(payload, 'application/x-www-form-urlencoded', false);
      else if (op.via === 'octet') status = await osmSendForm(payload, 'application/octet-stream', true);
      else {
        const bytes = typeof payload === 'string' ? Buffer.from(payload).subarray(0, 2000) : payload;
        const junk = Array.from(bytes, (x) => `%${x.toString(16).padStart(2, '0')}`).join('');
        const phone = carol.phone!;
        status = await answered(await fetch(`${svc.osmandUrl}/?id=${phone.id}&${junk}&key=${phone.secret}`));
      }
      expectRefusedStatus(status, label);
      return bad();
    }
    case 'forgedTopic': {
      // The embedded broker refuses, counts and dead-letters the publish, then disconnects the forger:
      // the close comes after the refusal is committed, so it is what the test waits for.
      const forger = await withTimeout(connect(carol.ankle.id, carol.ankle.secret), `connect ${label}`);
      throwaway.push(forger);
      const topic = {
        telemetry: telemetryTopic(),
        events: eventsTopic(),
        owntracks: OWNTRACKS_TOPIC,
        unknownOwntracks: 'owntracks/nobody/phone',
      }[op.target];
      const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
      forger.publish(topic, goodNativeFixFor(), { qos: 1 }, () => {});
      await withTimeout(closed, label);
      return bad();
    }
    case 'badLogin': {
      const [id, secret] =
        op.who === 'wrongSecret' ? [alice.ankle.id, 'wrong-secret'] : ['no-such-device', 'whatever'];
      await expect(withTimeout(connect(id, secret), label)).rejects.toThrow();
      return bad(1, 0);
    }
  }
}

/** A well-formed fix with a fresh time, as a forger would send it under someone else's topic. */
function goodNativeFixFor(): string {
  const ts = Date.now() - 10_000;
  return JSON.stringify({ ts, ...near(ts / 1000), acc: 5, src: 'gnss', seq: nextSeq() });
}

// ---------------------------------------------------------------------------------------------------
// Observations

interface Snapshot {
  counted: number;
  duplicate: number;
  rateLimited: number;
  deadLetters: number;
  fixes: number;
}

async function refusalsByReason(): Promise<Map<string, number>> {
  const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
  const byReason = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^em_refusals_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const reason = /reason="([^"]*)"/.exec(m[1]!)?.[1] ?? '';
    byReason.set(reason, (byReason.get(reason) ?? 0) + Number(m[2]));
  }
  return byReason;
}

const count = async (sql: string, params: unknown[] = []) =>
  (await svc.db.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;

async function snapshot(): Promise<Snapshot> {
  const byReason = await refusalsByReason();
  let counted = 0;
  for (const [reason, n] of byReason) {
    if (reason === 'duplicate' || reason === 'rate_limited') continue;
    counted += n;
  }
  return {
    counted,
    duplicate: byReason.get('duplicate') ?? 0,
    rateLimited: byReason.get('rate_limited') ?? 0,
    deadLetters: await count('select count(*)::int as n from dead_letters'),
    fixes: await count('select count(*)::int as n from fixes'),
  };
}

async function storedOnce(goods: ReadonlyArray<{ deviceId: string; ts: number }>): Promise<number> {
  if (goods.length === 0) return 0;
  return count(
    `select count(*)::int as n from fixes f
       join unnest($1::text[], $2::timestamptz[]) as g(d, t) on f.device_id = g.d and f.ts = g.t`,
    [goods.map((g) => g.deviceId), goods.map((g) => new Date(g.ts).toISOString())],
  );
}

async function eventsStored(
  goods: ReadonlyArray<{ deviceId: string; ts: number; type: string }>,
): Promise<number> {
  if (goods.length === 0) return 0;
  return count(
    `select count(*)::int as n from device_events e
       join unnest($1::text[], $2::timestamptz[], $3::text[]) as g(d, t, k)
         on e.device_id = g.d and e.ts = g.t and e.type = g.k`,
    [goods.map((g) => g.deviceId), goods.map((g) => new Date(g.ts).toISOString()), goods.map((g) => g.type)],
  );
}

/** Stored fixes no device may have caused to be stored. */
const BAD_STORED_SQL = `
  select count(*)::int as n from fixes
   where lat = 'NaN' or lon = 'NaN' or lat < -90 or lat > 90 or lon < -180 or lon > 180
      or (abs(lat) < 1e-6 and abs(lon) < 1e-6)
      or acc = 'NaN' or acc <= 0 or acc > 50000
      or ts > received_at + make_interval(secs => ${SKEW_S})
      or ts < received_at - make_interval(days => ${MAX_AGE_DAYS})
      or spd = 'NaN' or spd < 0 or spd = 'Infinity'
      or hdg < 0 or hdg > 360 or batt < 0 or batt > 100 or alt = 'NaN' or abs(alt) = 'Infinity'`;

// ---------------------------------------------------------------------------------------------------

describe('fuzz: hostile payloads at every source of the running service', () => {
  const allGood: Array<{ deviceId: string; ts: number }> = [];
  let totalBad = 0;

  beforeAll(async () => {
    svc = await startTestService({
      // The flood guard is not what is fuzzed here: a refused flood is not acknowledged, which would
      // make the counts depend on timing.
      ...OPEN_FLOOD_GUARD,
      MAX_CLOCK_SKEW_S: String(SKEW_S),
      MAX_FIX_AGE_DAYS: String(MAX_AGE_DAYS),
    });
    await ensureCounty(svc);
    alice = await monitoredPerson(svc, { owntracks: { user: 'alice', device: 'phone' } });
    carol = await monitoredPerson(svc, { orgUnitId: 'baotai', phone: true });
    ankle = await connect(alice.ankle.id, alice.ankle.secret);
    otPhone = await connect(alice.phone!.id, alice.phone!.secret);
    // ~2 good fixes per run, one second apart: the last run still ends well before now.
    clockMs = Math.floor((Date.now() - 45 * 60_000) / 1000) * 1000;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      [ankle, otPhone, ...throwaway].filter(Boolean).map((c) => c.endAsync(true).catch(() => {})),
    );
    // A wedged pipeline (KNOWN BUG "NUL byte", last test) never drains: do not wait for it forever.
    if (svc) await withTimeout(svc.cleanup(), 'service cleanup', 3_000).catch(() => {});
  }, 20_000);

  it('keeps every good fix, counts and dead-letters every refusal, stores nothing bad', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: MAX_OPS_PER_RUN }), async (ops) => {
        const before = await snapshot();
        const sent = await Promise.all(ops.map((op) => execute(op)));
        const after = await snapshot();
        const goods = sent.flatMap((s) => s.goodFixes);
        const events = sent.flatMap((s) => s.goodEvents);
        const refusals = sent.reduce((n, s) => n + s.refusals, 0);
        const deadLetters = sent.reduce((n, s) => n + s.deadLetters, 0);

        expect(await storedOnce(goods), 'good fixes stored').toBe(goods.length);
        expect(after.fixes - before.fixes, 'rows added to fixes (good ones only)').toBe(goods.length);
        expect(await eventsStored(events), 'good events stored').toBe(events.length);
        expect(after.counted - before.counted, 'refusals counted').toBeGreaterThanOrEqual(refusals);
        expect(after.deadLetters - before.deadLetters, 'dead letters kept').toBeGreaterThanOrEqual(
          deadLetters,
        );
        expect(after.duplicate - before.duplicate, 'nothing sent twice, so no duplicate').toBe(0);
        expect(after.rateLimited - before.rateLimited, 'flood guard stayed out of it').toBe(0);
        allGood.push(...goods);
        totalBad += refusals;
      }),
      {
        seed: SEED,
        numRuns: RUNS,
        examples: sweep().map((ops) => [ops] as [Op[]]),
        interruptAfterTimeLimit: 40_000,
        markInterruptAsFailure: true,
      },
    );
    expect(totalBad, 'the runs sent hostile items').toBeGreaterThan(100);
    expect(allGood.length, 'the runs sent good fixes').toBeGreaterThan(50);
  }, 55_000);

  it('is still up and serving honest devices after the barrage, with nothing bad stored', async () => {
    expect((await fetch(`${svc.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.httpUrl}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);

    // The same connections that carried the hostile payloads still deliver.
    expect(ankle.connected && otPhone.connected).toBe(true);
    const f = goodNativeFix(false);
    await publish(ankle, telemetryTopic(), f.text, 'honest fix after the barrage');
    const o = goodOwnTracks(false);
    await publish(otPhone, OWNTRACKS_TOPIC, o.text, 'honest OwnTracks after the barrage');
    const ts = nextTs();
    expectOk(await osmSend('get', osmParams(ts, 'sec')), 'honest OsmAnd after the barrage');
    // And a device that connects afresh does too.
    const fresh = await connect(alice.ankle.id, alice.ankle.secret);
    throwaway.push(fresh);
    const g = goodNativeFix(true);
    await publish(fresh, telemetryTopic(), g.text, 'fresh connection');
    const after = [
      { deviceId: alice.ankle.id, ts: f.ts },
      { deviceId: alice.phone!.id, ts: o.ts },
      { deviceId: carol.phone!.id, ts },
      { deviceId: alice.ankle.id, ts: g.ts },
    ];
    expect(await storedOnce(after)).toBe(after.length);
    allGood.push(...after);

    expect(await storedOnce(allGood), 'every good fix of every run').toBe(allGood.length);
    expect(await count('select count(*)::int as n from fixes'), 'and nothing else').toBe(allGood.length);
    expect(await count(BAD_STORED_SQL), 'fixes out of range, (0,0), acc <= 0 or beyond the skew').toBe(0);
    expect(
      await count(`select count(*)::int as n from fixes where device_id not in ($1, $2, $3)`, [
        alice.ankle.id,
        alice.phone!.id,
        carol.phone!.id,
      ]),
      'no fix under a device that did not send it',
    ).toBe(0);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  }, 30_000);

  // -------------------------------------------------------------------------------------------------
  // Service bugs found by this fuzzing. `it.fails`: green while the bug is there, red once it is fixed.

  describe('KNOWN BUGS (it.fails until fixed)', () => {
    it('FIXED "float4 + retry": a fix with alt 1e300 fails the commit, and the retry drops the good fix next to it as a duplicate after acknowledging it', async () => {
      const good = goodNativeFix(false);
      const bomb = goodNativeFix(false, { alt: 1e300 });
      const before = await snapshot();
      await publish(ankle, telemetryTopic(), `{"fixes":[${good.text},${bomb.text}]}`, 'float4 bomb');
      const after = await snapshot();
      expect(after.duplicate - before.duplicate, 'counted as duplicates').toBe(0);
      expect(await storedOnce([{ deviceId: alice.ankle.id, ts: good.ts }]), 'the acknowledged good fix').toBe(
        1,
      );
    }, 15_000);

    it('FIXED "413": an OsmAnd body over MAX_MESSAGE_BYTES is refused as oversize_payload, counted and dead-lettered', async () => {
      const before = await snapshot();
      const status = await osmSendJson(HOSTILE_TEXTS.oversize!());
      expect(status).toBe(400);
      const after = await snapshot();
      expect(after.counted - before.counted, 'oversize counted').toBeGreaterThanOrEqual(1);
      expect(after.deadLetters - before.deadLetters, 'oversize dead-lettered').toBeGreaterThanOrEqual(1);
    }, 15_000);

    it('FIXED "key in dead letter": a refused OsmAnd query keeps the device key in dead_letters.raw', async () => {
      const phone = carol.phone!;
      const status = await osmSend('get', [
        ['id', phone.id],
        ['timestamp', String(Math.floor(Date.now() / 1000))],
        ['lat', '95'],
        ['lon', '104.6'],
        ['accuracy', '10'],
      ]);
      expect(status).toBe(200); // refused for good, dead-lettered, answered 200 `refused: ...`
      expect(lastOsmAndBody).toMatch(/^refused: invalid_coordinates/);
      const leaked = await count(
        'select count(*)::int as n from dead_letters where strpos(raw, $1) > 0 or strpos(detail, $1) > 0',
        [phone.secret],
      );
      expect(leaked, 'dead letters holding the device key').toBe(0);
    }, 15_000);

    // Must stay last: it wedges the pipeline of this service for good.
    it('FIXED "NUL byte": an event whose detail holds U+0000 fails every commit, wedging the pipeline for all devices', async () => {
      const ts = Date.now() - 5_000;
      const event = JSON.stringify({ ts, seq: nextSeq(), type: 'heartbeat', detail: 'a\u0000b' });
      // Not awaited: with the bug it is never acknowledged.
      ankle.publish(eventsTopic(), event, { qos: 1 }, () => {});
      await new Promise((r) => setTimeout(r, 200));
      // Another device, another source: answered only if the pipeline still moves.
      const other = nextTs();
      expectOk(
        await withTimeout(osmSend('get', osmParams(other, 'sec')), 'OsmAnd after NUL', 2_500),
        'after NUL',
      );
    }, 15_000);
  });
});
