// Sampled review (五查四核-style): a seeded random draw of N people per office, reproducible from its
// seed (the same seed over the same people draws the same sample), and a hash over an evidence
// bundle so a machine can tell that the bundle it holds is the one the service produced.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/audit-log.js';

/** A 32-bit PRNG (mulberry32) seeded from the sha256 of the seed text. */
function rng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SampleFramePerson {
  readonly id: string;
  readonly orgUnitId: string;
}

export interface OfficeSample {
  orgUnitId: string;
  population: number;
  people: string[];
}

/**
 * Per office, `perOffice` people (all of them when fewer), drawn by a seeded Fisher–Yates shuffle of
 * the office's people in id order, each office with its own stream (seed + office id).
 */
export function drawSample(
  frame: readonly SampleFramePerson[],
  offices: readonly string[],
  perOffice: number,
  seed: string,
): OfficeSample[] {
  return offices.map((orgUnitId) => {
    const ids = frame
      .filter((p) => p.orgUnitId === orgUnitId)
      .map((p) => p.id)
      .sort();
    const next = rng(`${seed}\u0000${orgUnitId}`);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return { orgUnitId, population: ids.length, people: ids.slice(0, perOffice).sort() };
  });
}

/** sha256 over the canonical JSON of `content` (keys sorted at every depth). */
export function contentHash(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
