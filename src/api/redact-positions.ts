// Positions taken out of refused messages before the API shows them (Art. 29, 54, 61: location data
// only for corrections work, every read of it recorded). A dead letter is kept whole in the database
// as evidence of what a device sent; what the API shows is for the device maker, who needs the reason,
// the shape, the field names and the kind of each value, not where the person was. Fixes refused as
// no_active_order must not be monitoring data at all (Art. 29). Text, not JSON: raw payloads may be
// malformed, cut short at the size limit, or an OsmAnd query string.
const KEYS = '(?:lat|lon|lng|latitude|longitude)';

/** `"lat": 30.5`, `"lat":"30.5"`, and the same escaped inside a JSON string (`\"lat\":30.5`). */
const JSON_MEMBER = new RegExp(`(\\\\?"${KEYS}\\\\?"\\s*:\\s*)(\\\\?"[^"]*"|[^,}\\]\\s]+)`, 'gi');

/** `lat=30.5` in a query string or form body (OsmAnd, Traccar Client). */
const FORM_PAIR = new RegExp(`((?:^|[?&\\s])${KEYS}=)([^&\\s]*)`, 'gi');

/** `(30.5, 104.1)` as the fix checks write a refused position into a refusal's detail (checks.ts). */
const COORDINATE_PAIR = /\(([^(),\s]+), ([^(),\s]+)\)/g;

const hasDigit = (value: string): boolean => /\d/.test(value);

/** What stands in for a value that may hold a coordinate; null, true or an empty value stay as sent. */
function jsonPlaceholder(value: string): string {
  if (!hasDigit(value)) return value;
  return value.includes('"') ? '"<redacted string>"' : '"<redacted number>"';
}

const redacted = (value: string): string => (hasDigit(value) ? '<redacted>' : value);

export function redactPositions(text: string): string;
export function redactPositions(text: string | null): string | null;
export function redactPositions(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(JSON_MEMBER, (_m, key: string, value: string) => key + jsonPlaceholder(value))
    .replace(FORM_PAIR, (_m, key: string, value: string) => key + redacted(value))
    .replace(COORDINATE_PAIR, (_m, a: string, b: string) => `(${redacted(a)}, ${redacted(b)})`);
}
