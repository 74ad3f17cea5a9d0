// Positions taken out of refused messages before the API shows them (Art. 29, 54, 61: location data
// only for corrections work, every read of it recorded). A dead letter is kept whole in the database
// as evidence of what a device sent; what the API shows is for the device maker, who needs the reason,
// the shape, the field names and the kind of each value, not where the person was. Fixes refused as
// no_active_order must not be monitoring data at all (Art. 29). Text, not JSON: raw payloads may be
// malformed, cut short at the size limit, or an OsmAnd query string.
const KEYS = '(?:lat|lon|lng|latitude|longitude)';

/** `"lat": 30.5`, `"lat":"30.5"`, and the same escaped inside a JSON string (`\"lat\":30.5`). */
const JSON_MEMBER = new RegExp(`(\\\\?"${KEYS}\\\\?"\\s*:\\s*)(\\\\?"[^"]*"|[^,}\\]\\s[{]+)`, 'gi');

/** A position key followed by an array or an object (`"lat":[30.5,104.1]`): taken out whole (containerEnd). */
const JSON_CONTAINER = new RegExp(`(\\\\?"${KEYS}\\\\?"\\s*:\\s*)(?=[[{])`, 'gi');

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

/**
 * Where the array or object starting at `start` ends (after its closing bracket), or the text's end
 * when it is cut short. Brackets inside strings do not count.
 */
function containerEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** Arrays and objects under a position key, each replaced by one placeholder; empty ones stay. */
function redactContainers(text: string): string {
  let out = '';
  let from = 0;
  JSON_CONTAINER.lastIndex = 0;
  for (let m = JSON_CONTAINER.exec(text); m !== null; m = JSON_CONTAINER.exec(text)) {
    const start = m.index + m[0].length;
    if (start < from) continue;
    const end = containerEnd(text, start);
    const value = text.slice(start, end);
    out +=
      text.slice(from, start) +
      (hasDigit(value) ? `"<redacted ${value[0] === '[' ? 'array' : 'object'}>"` : value);
    from = end;
    JSON_CONTAINER.lastIndex = end;
  }
  return out + text.slice(from);
}

export function redactPositions(text: string): string;
export function redactPositions(text: string | null): string | null;
export function redactPositions(text: string | null): string | null {
  if (text === null) return null;
  return redactContainers(text)
    .replace(JSON_MEMBER, (_m, key: string, value: string) => key + jsonPlaceholder(value))
    .replace(FORM_PAIR, (_m, key: string, value: string) => key + redacted(value))
    .replace(COORDINATE_PAIR, (_m, a: string, b: string) => `(${redacted(a)}, ${redacted(b)})`);
}
