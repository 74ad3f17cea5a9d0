// `npm run rules-ab -- <base> <head> [--pairs 6] [--moving 0.4] [--persons 100000] [--fixes 1000000]
// [--runs 4]`: the rules bench (bench/rules.ts) of two commits, run alternately in the same minutes,
// so the noise of a shared machine falls on both (BENCH.md: report ratios where machines are noisy).
//
// Why: on this project's 2-core VM the same code's headline figure moves by 10–20% from one minute
// to the next, so a change of a few percent cannot be seen by running the bench before and after it
// (issue 4's notes: two "gains" measured that way were noise). Each commit's bench is bundled once
// (esbuild, from a temporary worktree), then the two bundles run in turn, in both orders (A B, B A,
// ...), each process's first run dropped (it opens the first episodes of everybody); the output is
// the median and upper quartile of the rest, the ratio of the medians, and each pair's own ratio
// (their median, and how many pairs favour head: 5 of 6 is a change, 3 of 6 is noise). Nothing is written to
// bench/results: this compares code, it does not document a result.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '6' },
    moving: { type: 'string', default: '0.4' },
    persons: { type: 'string', default: '100000' },
    fixes: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '4' },
  },
});
const [baseRef = 'HEAD~1', headRef = 'HEAD'] = positionals;
const repo = resolve(import.meta.dirname, '..');
const git = (...args: string[]): string => {
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
};

// The driver each bundle runs: one bench world, no side worlds, no state-bytes pass; one JSON line.
const DRIVER = `import rules from './bench/rules.ts';
const e = process.env;
const r = await rules({ persons: e.AB_PERSONS, fixes: e.AB_FIXES, runs: e.AB_RUNS, moving: e.AB_MOVING,
  'side-worlds': 'off', 'state-bytes': 'off' });
console.log(JSON.stringify({ runs: r.figures.evaluations_per_s_runs }));
`;

async function bundle(ref: string, dir: string): Promise<string> {
  const sha = git('rev-parse', '--short', `${ref}^{commit}`);
  const tree = join(dir, `tree-${sha}`);
  git('worktree', 'add', '--detach', tree, sha);
  try {
    symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'));
    writeFileSync(join(tree, 'ab-driver.mts'), DRIVER);
    const out = join(dir, `rules-${sha}.mjs`);
    await build({
      entryPoints: [join(tree, 'ab-driver.mts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'error',
    });
    return out;
  } finally {
    git('worktree', 'remove', '--force', tree);
  }
}

function runOnce(file: string): number[] {
  const r = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AB_PERSONS: values.persons,
      AB_FIXES: values.fixes,
      AB_RUNS: values.runs,
      AB_MOVING: values.moving,
    },
  });
  if (r.status !== 0) throw new Error(`${file} failed: ${r.stderr.slice(-2000)}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return (JSON.parse(line) as { runs: number[] }).runs.slice(1);
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const dir = mkdtempSync(join(tmpdir(), 'rules-ab-'));
try {
  const a = await bundle(baseRef, dir);
  const b = await bundle(headRef, dir);
  const runs: Record<'base' | 'head', number[]> = { base: [], head: [] };
  // Each pair's own ratio (head over base, medians of the pair's runs): the two ran within a minute
  // of each other, so a machine that drifts over the whole comparison moves both. Their median and
  // spread say more than the pooled medians, and how many pairs favour head says whether it is noise.
  const pairRatios: number[] = [];
  const pairs = Number(values.pairs);
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first: a machine getting slower or faster favours neither.
    const order: ['base' | 'head', string][] =
      i % 2 === 0
        ? [
            ['base', a],
            ['head', b],
          ]
        : [
            ['head', b],
            ['base', a],
          ];
    const pair: Record<'base' | 'head', number[]> = { base: [], head: [] };
    for (const [side, file] of order) pair[side] = runOnce(file);
    runs.base.push(...pair.base);
    runs.head.push(...pair.head);
    const ratio = quantile(pair.head, 0.5) / quantile(pair.base, 0.5);
    pairRatios.push(ratio);
    process.stderr.write(`pair ${i + 1}/${pairs}: head/base ${ratio.toFixed(3)}\n`);
  }
  const summary = (xs: number[]) => ({ n: xs.length, median: quantile(xs, 0.5), p75: quantile(xs, 0.75) });
  const base = summary(runs.base);
  const head = summary(runs.head);
  console.log(
    JSON.stringify(
      {
        base: { ref: baseRef, ...base },
        head: { ref: headRef, ...head },
        head_vs_base_median: Math.round((head.median / base.median) * 1000) / 1000,
        head_vs_base_p75: Math.round((head.p75 / base.p75) * 1000) / 1000,
        pair_ratios: pairRatios.map((r) => Math.round(r * 1000) / 1000),
        pair_ratio_median: Math.round(quantile(pairRatios, 0.5) * 1000) / 1000,
        pairs_favouring_head: pairRatios.filter((r) => r > 1).length,
        config: { ...values, unit: 'evaluations per CPU second, one core' },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  git('worktree', 'prune');
}
