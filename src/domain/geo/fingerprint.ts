// Content fingerprints of compiled geometry. A person's clearances (src/domain/rules/clearance.ts)
// are valid only for the geometry they were measured against; the fingerprint names that geometry
// by content, so the name means the same on every instance sharing state through Redis (issue 8),
// and an edited zone (a new object with other numbers) never matches the old one.

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** Two independent 32-bit multiply-xor mixes (murmur3 finaliser constants) folded into 53 bits. */
function mixWords(words: Uint32Array | ArrayLike<number>, seed: number): number {
  let h1 = 0x9747b28c ^ seed;
  let h2 = 0x85ebca6b ^ Math.imul(seed, 0x27d4eb2d);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]! >>> 0;
    h1 = Math.imul(h1 ^ w, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ w, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, 5) + 0xe6546b64;
  }
  h1 ^= words.length;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  // 32 + 21 bits: an exact integer in a double; never 0, which stands for "no geometry measured".
  return (h1 >>> 0) * 2 ** 21 + (h2 >>> 11) + 1;
}

/** Fingerprint of a list of numbers, by their exact bits (so 0.1 and 0.1 + 1e-17 differ when their doubles do). */
export function fingerprintNumbers(values: ArrayLike<number>, seed = 0): number {
  if (values instanceof Float64Array) {
    return mixWords(new Uint32Array(values.buffer, values.byteOffset, values.length * 2), seed);
  }
  const words = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    scratch[0] = values[i]!;
    words[2 * i] = scratchWords[0]!;
    words[2 * i + 1] = scratchWords[1]!;
  }
  return mixWords(words, seed);
}
