// Bearer tokens (HS256, RFC 7519) and the login throttle, on a fake clock.
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { TokenSigner } from '../../src/auth/tokens.js';

describe('TokenSigner', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');

  it('accepts its own token until it expires', () => {
    let now = 1_800_000_000_000;
    const signer = new TokenSigner(secret, 3600, () => now);
    const { token, expiresAt } = signer.sign('user-1', 'officer');
    expect(expiresAt).toBe(now + 3_600_000);
    expect(signer.verify(token)).toMatchObject({ sub: 'user-1', role: 'officer' });
    now += 3_599_000;
    expect(signer.verify(token)).not.toBeNull();
    now += 1000;
    expect(signer.verify(token)).toBeNull();
  });

  it('refuses a token signed with another secret, or with its payload changed', () => {
    const signer = new TokenSigner(secret, 3600);
    const other = new TokenSigner(Buffer.from('another secret of enough length!'), 3600);
    const { token } = other.sign('user-1', 'administrator');
    expect(signer.verify(token)).toBeNull();
    const [h, , s] = signer.sign('user-1', 'officer').token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'user-1', role: 'administrator', iat: 0, exp: 9e9 }),
    ).toString('base64url');
    expect(signer.verify(`${h}.${forged}.${s}`)).toBeNull();
    expect(signer.verify('garbage')).toBeNull();
  });
});

describe('LoginThrottle', () => {
  it('locks a key after five failures within the window, and frees it as they age out', () => {
    let now = 0;
    const throttle = new LoginThrottle({ maxFailures: 5, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfterMs('ip|alice')).toBe(0);
      throttle.recordFailure('ip|alice');
      now += 1000;
    }
    expect(throttle.retryAfterMs('ip|alice')).toBe(55_000);
    expect(throttle.retryAfterMs('ip|bob')).toBe(0);
    now = 60_001;
    expect(throttle.retryAfterMs('ip|alice')).toBe(0);
    throttle.recordSuccess('ip|alice');
    expect(throttle.retryAfterMs('ip|alice')).toBe(0);
  });
});
