// Contract suites (STYLE.md: one suite for every adapter pair) make backends per test and close them
// all once the suite is done.
import { afterAll } from 'vitest';

/** A maker of backends for the current suite; every backend it made is closed after the suite. */
export function closedAfterSuite<B extends { close(): Promise<void> }>(make: () => B): () => B {
  const made: B[] = [];
  afterAll(async () => {
    for (const b of made) await b.close();
  });
  return () => {
    const b = make();
    made.push(b);
    return b;
  };
}
