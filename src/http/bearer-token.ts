// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). The scheme's name is
// case-insensitive (RFC 7235 §2.1): "bearer" and "BEARER" are the same scheme, and a client or proxy
// that writes it so is not refused for it.
const BEARER = /^bearer +(\S+) *$/i;

/** The token, or null when the header is absent, names another scheme, or holds no token. */
export function bearerToken(header: string | undefined): string | null {
  return header === undefined ? null : (BEARER.exec(header)?.[1] ?? null);
}
