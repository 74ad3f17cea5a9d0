// Inside / outside / uncertain from a fix's accuracy circle and its distance to the boundary.
// The fix's accuracy is a 68% radius (ARCHITECTURE.md wire contract), treated as one standard
// deviation of the error across the boundary, so P(outside) = Φ(d / σ) for signed distance d.

export const Side = { inside: 1, outside: -1, uncertain: 0 } as const;
export type Side = (typeof Side)[keyof typeof Side];

/**
 * A side is called only at ≥ 99% probability (|d| ≥ 2.33 σ). With evidence of several consecutive
 * confident fixes this keeps a device parked on a boundary from flapping (DOMAIN.md: false alerts).
 */
export const CONFIDENT_P = 0.99;
export const CONFIDENT_Z = 2.3263478740408408;
/** Beyond this many sigmas the probability is 1 to within 1e-5: no need to know the exact distance. */
export const SATURATION_SIGMAS = 4.5;
/** Receivers under-report accuracy when still; never trust a fix more than this (metres). */
export const MIN_SIGMA_M = 5;

export function sigmaOf(accuracyM: number): number {
  return Math.max(accuracyM, MIN_SIGMA_M);
}

/** Distance beyond which the answer is saturated, for `signedDistanceM(…, needM)`. */
export function needDistanceM(accuracyM: number): number {
  return SATURATION_SIGMAS * sigmaOf(accuracyM);
}

/** Standard normal CDF, |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Probability that the true position is outside, given signed distance (negative inside). */
export function pOutside(signedDistM: number, accuracyM: number): number {
  return normalCdf(signedDistM / sigmaOf(accuracyM));
}

export function sideOf(signedDistM: number, accuracyM: number): Side {
  const z = signedDistM / sigmaOf(accuracyM);
  return z >= CONFIDENT_Z ? Side.outside : z <= -CONFIDENT_Z ? Side.inside : Side.uncertain;
}
