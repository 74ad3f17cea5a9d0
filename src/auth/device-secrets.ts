// Per-device secrets. They are 256-bit random values, not human passwords, so a single SHA-256 is
// as strong as a slow hash and lets a reconnect storm of a whole fleet authenticate quickly.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashDeviceSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function deviceSecretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashDeviceSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}
