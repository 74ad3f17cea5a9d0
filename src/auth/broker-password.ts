// A device's broker password in Mosquitto 2's password-file form, made when its secret is issued (the
// secret is never stored; docs/decisions/0007). Checked against mosquitto_passwd 2.0.11: `$7$`, then
// the iteration count, the salt and PBKDF2-HMAC-SHA512(password, salt, iterations, 64 bytes), both in
// standard base64; a 12-byte salt and 101 iterations (PW_DEFAULT_ITERATIONS). Device secrets are
// 256-bit random values, so the low iteration count costs no strength and keeps a reconnect storm of
// a whole fleet cheap for the broker.
import { pbkdf2Sync, randomBytes } from 'node:crypto';

/** Mosquitto 2's default for `$7$` hashes (mosquitto_passwd, PW_DEFAULT_ITERATIONS). */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** A Mosquitto 2 password-file hash (`$7$`, PBKDF2-SHA512) of `password`. */
export function mosquittoPasswordHash(
  password: string,
  iterations = MOSQUITTO_PBKDF2_ITERATIONS,
  salt: Buffer = randomBytes(SALT_BYTES),
): string {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError('iterations must be ≥ 1');
  const hash = pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `hash` (a `$7$` line's hash part) is the hash of `password`. */
export function mosquittoPasswordMatches(password: string, hash: string): boolean {
  const m = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return false;
  const salt = Buffer.from(m[2]!, 'base64');
  return mosquittoPasswordHash(password, Number(m[1]), salt) === hash;
}
