/**
 * PostgreSQL text cannot hold U+0000 (`invalid byte sequence for encoding "UTF8": 0x00`), and one
 * such string would fail a whole batch's commit. Text from devices (event details, raw payloads of
 * dead letters) is stored with it replaced by U+FFFD, the Unicode replacement character.
 */
export function pgText(value: string): string;
export function pgText(value: string | null): string | null;
export function pgText(value: string | null): string | null {
  return value === null || !value.includes('\u0000') ? value : value.replaceAll('\u0000', '\uFFFD');
}
