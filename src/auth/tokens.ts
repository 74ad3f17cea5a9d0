// Console/API bearer tokens: compact JWS with HS256 (RFC 7515 / RFC 7519), signed with one secret
// that every instance shares (config TOKEN_SECRET, or generated once into the `settings` table).
// Verified without the HTTP layer so the live gateway checks the same token the same way.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { Role } from '../../schemas/enums.js';

export const TokenClaims = z.object({
  sub: z.string(),
  role: Role,
  iat: z.number().int(),
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export class TokenSigner {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlS: number,
    private readonly clock: () => number = Date.now,
  ) {}

  sign(sub: string, role: Role): { token: string; expiresAt: number } {
    const iat = Math.floor(this.clock() / 1000);
    const exp = iat + this.ttlS;
    const payload = Buffer.from(JSON.stringify({ sub, role, iat, exp })).toString('base64url');
    const input = `${HEADER}.${payload}`;
    return { token: `${input}.${this.mac(input)}`, expiresAt: exp * 1000 };
  }

  /** The claims of a valid, unexpired token; null for anything else (RFC 7519 §7.2). */
  verify(token: string): TokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return null;
    const expected = Buffer.from(this.mac(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const claims = TokenClaims.safeParse(json);
    if (!claims.success || claims.data.exp * 1000 <= this.clock()) return null;
    return claims.data;
  }

  private mac(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}

/**
 * The configured secret, else the one stored in `settings` (created by whichever instance starts
 * first; `on conflict do nothing` makes concurrent first starts agree on one).
 */
export async function loadTokenSecret(pool: pg.Pool, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  await pool.query(
    "insert into settings (key, value) values ('token_secret', to_jsonb($1::text)) on conflict (key) do nothing",
    [randomBytes(32).toString('base64url')],
  );
  const res = await pool.query<{ value: string }>("select value from settings where key = 'token_secret'");
  return Buffer.from(res.rows[0]!.value, 'utf8');
}
