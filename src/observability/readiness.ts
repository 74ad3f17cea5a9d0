/** One dependency's answer to /readyz: `detail` is written for the person on call. */
export interface ReadinessReport {
  ok: boolean;
  detail: string;
  [extra: string]: unknown;
}

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<ReadinessReport>;
}

export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs = 2000) {
  const entries = await Promise.all(
    checks.map(async (c) => {
      const timeout = new Promise<ReadinessReport>((resolve) =>
        setTimeout(
          () => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }),
          timeoutMs,
        ).unref(),
      );
      const report = await Promise.race([
        c.check().catch((err: Error) => ({ ok: false, detail: err.message }) as ReadinessReport),
        timeout,
      ]);
      return [c.name, report] as const;
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
