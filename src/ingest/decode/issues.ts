// Turns a schema failure into one refusal reason. A field that is present and of the right kind but
// out of range gets the field's own reason (invalid_coordinates...), so the dead-letter counts say
// what a device does wrong; a missing field or a wrong type is schema_invalid.
import type { z } from 'zod';
import type { RefusalReason } from '../../../schemas/wire/refusal.js';
import { isJsonObject, ownMember } from './json.js';

/** The reason for a failing field, keyed by the field's name (the last path segment). */
export type FieldReasons = Readonly<Record<string, RefusalReason>>;

export interface Classified {
  readonly reason: RefusalReason;
  readonly detail: string;
}

const MAX_DETAIL_ISSUES = 3;

export function classifyIssues(error: z.ZodError, input: unknown, fieldReasons: FieldReasons): Classified {
  const issues = error.issues;
  const detail = issues
    .slice(0, MAX_DETAIL_ISSUES)
    .map((i) => `${i.path.map(String).join('.') || '(message)'}: ${i.message}`)
    .join('; ')
    .slice(0, 400);
  for (const issue of issues) {
    if (reasonFor(issue, input, fieldReasons) === 'schema_invalid')
      return { reason: 'schema_invalid', detail };
  }
  const first = issues[0];
  return { reason: first ? reasonFor(first, input, fieldReasons) : 'schema_invalid', detail };
}

function reasonFor(issue: z.core.$ZodIssue, input: unknown, fieldReasons: FieldReasons): RefusalReason {
  const field = issue.path[issue.path.length - 1];
  const fieldReason =
    typeof field === 'string' && Object.hasOwn(fieldReasons, field) ? fieldReasons[field] : undefined;
  if (!fieldReason) return 'schema_invalid';
  const value = valueAt(input, issue.path);
  if (value === undefined) return 'schema_invalid';
  // JSON 1e400 parses to Infinity, which zod reports as a wrong type; it is an out-of-range number.
  if (issue.code === 'invalid_type' && typeof value !== 'number') return 'schema_invalid';
  return fieldReason;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (Array.isArray(value) && typeof key === 'number') value = value[key];
    else if (isJsonObject(value) && typeof key === 'string') value = ownMember(value, key);
    else return undefined;
  }
  return value;
}
