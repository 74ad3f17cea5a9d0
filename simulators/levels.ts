// The documented contract of each supervision category (DOMAIN.md 分类管理; issue 4 defaults), as
// the simulator and its ground truth need it. Simulators import only schemas/, so these figures are
// restated here rather than read from the service; the scenario tests fail if the two drift apart.
import type { SupervisionLevel } from '../schemas/enums.js';

export interface LevelContract {
  /** Reporting interval the service gives devices in normal times. */
  readonly reportIntervalMs: number;
  /** Silence after which lost contact opens (Art. 30). */
  readonly lostContactMs: number;
  /** Zone violations (curfew, county, proximity, separation): consecutive GNSS fixes and minimum span. */
  readonly zoneEvidence: { readonly fixes: number; readonly seconds: number };
  /** Prohibition entry needs less (Art. 31). */
  readonly prohibitionEvidence: { readonly fixes: number; readonly seconds: number };
}

const S = 1000;
const MIN = 60 * S;

export const LEVELS: Readonly<Record<SupervisionLevel, LevelContract>> = {
  strict: {
    reportIntervalMs: 60 * S,
    lostContactMs: 5 * MIN,
    zoneEvidence: { fixes: 3, seconds: 30 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
  },
  normal: {
    reportIntervalMs: 120 * S,
    lostContactMs: 15 * MIN,
    zoneEvidence: { fixes: 3, seconds: 60 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
  },
  lenient: {
    reportIntervalMs: 300 * S,
    lostContactMs: 60 * MIN,
    zoneEvidence: { fixes: 4, seconds: 120 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
  },
};

/**
 * Time the rules legitimately need after a zone violation truly starts: up to one interval until
 * the first fix outside, then the remaining evidence fixes (never less than the evidence span).
 */
export function zoneEvidenceWindowMs(level: SupervisionLevel, prohibition = false): number {
  const c = LEVELS[level];
  const e = prohibition ? c.prohibitionEvidence : c.zoneEvidence;
  return c.reportIntervalMs + Math.max((e.fixes - 1) * c.reportIntervalMs, e.seconds * S);
}
