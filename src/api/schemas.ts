// Request pieces shared by the routes. Enumerations come from schemas/enums.ts, never listed twice.
import { z } from 'zod';

export const IsoInstant = z.iso.datetime({ offset: true }).describe('ISO-8601 date-time with Z or offset');

export const IdParams = z.object({ id: z.string().min(1).max(100) });

/**
 * Why a person's positions are read, stated by the caller and recorded in the audit log before any
 * position is read (DOMAIN.md: every read of a person's track or position records who, when, whose, why).
 */
export const ReadPurpose = z
  .string()
  .trim()
  .min(4)
  .max(500)
  .describe("why the person's positions are read; recorded in the audit log");

/** Why a supervisor ends something early (EM revoked, leave called off); kept on the record and audited. */
export const StatedReason = z.string().trim().min(1).max(1000);

export const OffsetPage = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .describe('RFC 9457 problem details');

/** Offset pages answer `next` = the offset of the following page, or null at the end. */
export function offsetPage<T>(items: T[], page: { limit: number; offset: number }) {
  return { items, next: items.length === page.limit ? page.offset + page.limit : null };
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export const secured = [{ bearerAuth: [] }];
