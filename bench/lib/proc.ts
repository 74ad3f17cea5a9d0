// Small process helpers for benches: child pids by command line, CPU time from /proc, Prometheus text.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Pids of this process's direct children whose command line contains `needle`. */
export function childPids(needle: string): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.includes(needle))
      .map((line) => Number(line.split(/\s+/, 1)[0]))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

/** User + system CPU seconds a process (or the sum of a group) has used so far; null when all are gone. */
export function cpuSeconds(pid: number | readonly number[] | undefined): number | null {
  if (pid === undefined) return null;
  if (typeof pid !== 'number') {
    const each = pid.map((p) => cpuSeconds(p)).filter((v): v is number => v !== null);
    return each.length === 0 ? null : each.reduce((a, b) => a + b, 0);
  }
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat, or null. */
export function machineBusySeconds(): number | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const busy = cpu.slice(0, 8).reduce((n, v, i) => (i === 3 || i === 4 ? n : n + v), 0);
    return busy / clockTicks;
  } catch {
    return null;
  }
}

/**
 * CPU use of named processes over an interval, as a percentage of one core, plus `machine` (all
 * processes, up to 100 × cores) and `others` (machine minus the named ones: the database server...).
 */
export class CpuMeter {
  private readonly start = new Map<string, number | null>();
  private t0 = performance.now();

  constructor(private readonly pids: Record<string, number | readonly number[] | undefined>) {
    this.reset();
  }

  reset(): void {
    this.t0 = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) this.start.set(name, cpuSeconds(pid));
    this.start.set('machine', machineBusySeconds());
  }

  /** Percent of one core per process since the last reset, rounded. */
  read(): Record<string, number | null> {
    const wall = (performance.now() - this.t0) / 1000;
    const out: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = this.start.get(name);
      const b = cpuSeconds(pid);
      out[name] = a == null || b == null || wall <= 0 ? null : Math.round(((b - a) / wall) * 100);
    }
    const m0 = this.start.get('machine');
    const m1 = machineBusySeconds();
    if (m0 != null && m1 != null && wall > 0) {
      out.machine = Math.round(((m1 - m0) / wall) * 100);
      const named = Object.keys(this.pids).reduce((n, k) => n + (out[k] ?? 0), 0);
      out.others = Math.max(0, out.machine - named);
    }
    return out;
  }
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (no escapes in label values needed here). */
export function parseProm(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export const promSum = (samples: readonly PromSample[], name: string): number =>
  samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);

/** Cumulative histogram buckets (le → count) of one metric. */
export function promBuckets(samples: readonly PromSample[], name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/**
 * Upper bound of a quantile of the observations between two snapshots of a cumulative histogram: the
 * `le` of the first bucket holding it (Infinity past the last finite bucket). Null without observations.
 * Coarse buckets make interpolation misleading, so only the bound is claimed.
 */
export function histogramQuantileBound(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | null {
  const les = [...after.keys()].sort((a, b) => a - b);
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const i = counts.findIndex((c) => c >= q * total);
  return les[i] ?? null;
}

/** Resident memory of a process (VmRSS), or of the sum of a group, in bytes; null when all are gone. */
export function rssBytes(pid: number | readonly number[] | undefined): number | null {
  if (pid === undefined) return null;
  if (typeof pid !== 'number') {
    const each = pid.map((p) => rssBytes(p)).filter((v): v is number => v !== null);
    return each.length === 0 ? null : each.reduce((a, b) => a + b, 0);
  }
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Peak resident memory of named processes, sampled every `everyMs` from /proc until `stop()`.
 * Sampling misses spikes shorter than the interval; it is a bound from below.
 */
export class RssSampler {
  private readonly peak = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pids: () => Record<string, number | readonly number[] | undefined>,
    everyMs = 500,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const rss = rssBytes(pid);
      if (rss !== null && rss > (this.peak.get(name) ?? 0)) this.peak.set(name, rss);
    }
  }
  /** Peak bytes per name (null when never seen). */
  stop(): Record<string, number | null> {
    clearInterval(this.timer);
    this.sample();
    const out: Record<string, number | null> = {};
    for (const name of Object.keys(this.pids())) out[name] = this.peak.get(name) ?? null;
    return out;
  }
}
