// What the person on call sees: /readyz (status and per-dependency detail) and /metrics values.

export interface Readiness {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: checks are inspected by name
  body: { ready: boolean; checks: Record<string, any> };
}

export async function readiness(httpUrl: string): Promise<Readiness> {
  const res = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

/** One sample of a Prometheus metric whose labels include `labels`; null when absent. */
export async function metricValue(
  httpUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | null> {
  const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

/** The sum of every sample of a Prometheus metric (all label sets); 0 when absent. */
export async function metricSum(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum += Number(m[2]);
  }
  return sum;
}
