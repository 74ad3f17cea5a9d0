// The scenario library (simulators/scenarios) through the REAL service in-process: one simulated
// day of every scenario, accelerated (30 s steps, a timer tick each step), over MQTT and OsmAnd HTTP.
// Each expected alert must open within its deadline (evidence window + slack), and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../simulators/rng.js';
import { DAY, localMidnight } from '../../simulators/routine.js';
import { SCENARIOS } from '../../simulators/scenarios/index.js';
import { type ScoreResult, score } from '../../simulators/score.js';
import type { TestService } from '../support/service.js';
import { type HarnessResult, runInProcess } from './support/harness.js';

// Within the partitions the service keeps (31 days back), and a fixed weekday-independent curfew.
const START = localMidnight(Date.now()) - 2 * DAY;
const instances = SCENARIOS.map((def, i) =>
  def.build({
    id: `t${i}`,
    start: START,
    days: 1,
    violationDay: 0,
    rng: createRng(`scenario-test/${def.name}`),
  }),
);

/**
 * Service defects these scenarios expose (reported to the lead; src/ is not ours to fix). Each is an
 * `it.fails`, so the test turns red when the service is fixed and the entry must go.
 */
const KNOWN_SERVICE_ISSUES: Readonly<Record<string, string>> = {};

// Detection delays are measured, not asserted here: they depend on indoor accuracy draws (a 2-min
// normal-level interval needs 3 confident GNSS fixes). `npm run bench -- quality` reports p50/p95 per
// kind against the targets; this test prints each delay beside its deadline.

let run: (HarnessResult & { svc: TestService }) | undefined;
let result: ScoreResult;

beforeAll(async () => {
  const t0 = performance.now();
  run = await runInProcess(instances, { stepMs: 30_000 });
  console.info('scenario run', { totalMs: Math.round(performance.now() - t0), ...run.timings, ...run.stats });
  result = score(run.provisioned, run.observed);
}, 180_000);

afterAll(async () => {
  await run?.svc.cleanup();
});

const fmt = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(11, 19);

describe.each(instances)('scenario $name', (inst) => {
  const check = (name: string, fn: () => void) => {
    const issue = KNOWN_SERVICE_ISSUES[`${inst.name}/${name}`];
    (issue ? it.fails : it)(issue ? `${name} (known service issue: ${issue})` : name, fn);
  };

  if (inst.expected.length > 0) {
    check('detected', () => {
      for (const m of result.matches.filter((x) => x.scenario === inst.name)) {
        const e = m.expected;
        const what = `${e.kind} truly ${fmt(e.trueStart)}–${fmt(e.trueEnd)}`;
        expect(m.incident, `${what}: no incident while it lasted`).not.toBeNull();
        console.info(
          `${inst.name}: ${what} opened ${fmt(m.incident!.openedAt)}, delay ${m.delayMs! / 1000} s ` +
            `(evidence ${e.evidenceMs / 1000} s, deadline ${e.deadlineMs / 1000} s${m.onTime ? '' : ', LATE'})`,
        );
      }
    });
  }

  check('no-unexpected', () => {
    const extra = result.unexpected
      .filter((u) => u.scenario === inst.name)
      .map((u) => `${u.kind} opened ${fmt(u.openedAt)} (started ${fmt(u.startedAt)})`);
    expect(extra).toEqual([]);
  });
});

it('delivered every message (no publish failed, nothing refused)', async () => {
  expect(run!.stats.failed, run!.stats.lastError ?? '').toBe(0);
  const dead = await run!.svc.db.pool.query<{ reason: string; n: number }>(
    'select reason, count(*)::int as n from dead_letters group by reason',
  );
  expect(dead.rows).toEqual([]);
});
