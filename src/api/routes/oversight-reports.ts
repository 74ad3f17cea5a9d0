// Oversight reports (issue 9) for the county, the city and the procuratorate (检察监督): handling
// quality (虚管), the lost-supervision register (脱管), EM legality (Art. 29), missed intake (漏管) and the
// sampled review's seeded draw per office (the bundles are in oversight-review.ts).
// Read-only for every role and limited to the caller's unit (an officer sees their own office). Each
// read is recorded in the audit log; an auditor's request is also recorded by `authenticate`.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAuditNow } from '../../audit/audit-log.js';
import type { Caller } from '../../auth/access.js';
import { effectiveEnd, emLegality, inForce, intakeFinding } from '../../oversight/em-legality.js';
import { aggregateHandling } from '../../oversight/handling.js';
import { handlingByDay } from '../../oversight/handling-series.js';
import { DEFAULT_MILESTONES, lostContactRegister } from '../../oversight/lost-contact.js';
import {
  readHandling,
  readLegalityChecks,
  readLostContact,
  readOrders,
  readSampleFrame,
  readUnassignedReporting,
} from '../../oversight/readers.js';
import { drawSample } from '../../oversight/sample.js';
import { DAY_MS } from '../../oversight/stats.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { ProblemError } from '../problem.js';
import { IsoInstant, secured } from '../schemas.js';

const MAX_PERIOD_DAYS = 400;
/** A daily series is drawn, not paged: three months of buckets at most. */
const MAX_SERIES_DAYS = 92;

const HandlingQuery = z.object({
  from: IsoInstant.describe('start of the period (inclusive)'),
  to: IsoInstant.describe('end of the period (exclusive)'),
});

const LostContactQuery = z.object({
  warningDays: z.coerce.number().int().min(1).max(3650).default(DEFAULT_MILESTONES[0]!.days),
  revocationDays: z.coerce.number().int().min(1).max(3650).default(DEFAULT_MILESTONES[1]!.days),
});

const SampleQuery = z.object({
  perOffice: z.coerce.number().int().min(1).max(100).default(5),
  seed: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('reuse a recorded seed to redraw the same sample'),
});

const LegalityQuery = z.object({
  soonDays: z.coerce.number().int().min(1).max(90).default(7),
});

export function oversightRoutes(deps: ApiDeps) {
  const audit = (caller: Caller, report: string, detail: Record<string, unknown> = {}) =>
    appendAuditNow(
      deps.pool,
      {
        actorUserId: caller.userId,
        actorRole: caller.role,
        action: 'oversight.read',
        detail: { report, scope: caller.orgPath, ...detail },
      },
      deps.clock(),
    );
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['oversight'], security: secured };

    api.get(
      '/oversight/handling',
      {
        schema: {
          ...meta,
          description:
            'Handling quality per office and officer for incidents opened in [from, to): rate per supervised ' +
            'person-day, time to acknowledge / resolve (p50, p95 in seconds), escalations, dispositions; and the ' +
            'incidents unresolved now by age.',
          querystring: HandlingQuery,
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const from = Date.parse(req.query.from);
        const to = Date.parse(req.query.to);
        if (!(to > from) || to - from > MAX_PERIOD_DAYS * DAY_MS) {
          throw new ProblemError(
            400,
            'Invalid period',
            `to must be after from, at most ${MAX_PERIOD_DAYS} days apart`,
            'invalid-request',
          );
        }
        await audit(caller, 'handling', { from: req.query.from, to: req.query.to });
        const input = await readHandling(deps.pool, caller.orgPath, { from, to, now: deps.clock() });
        return aggregateHandling(input);
      },
    );

    api.get(
      '/oversight/handling/daily',
      {
        schema: {
          ...meta,
          description:
            'The handling figures per day-long bucket from `from` (the caller picks the day boundary), per office ' +
            'and for the whole scope (`all`): incidents opened, supervised person-days, rate, acknowledge / ' +
            'resolve p50 and p95 (s), escalations to county.',
          querystring: HandlingQuery,
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const from = Date.parse(req.query.from);
        const to = Date.parse(req.query.to);
        if (!(to > from) || to - from > MAX_SERIES_DAYS * DAY_MS) {
          throw new ProblemError(
            400,
            'Invalid period',
            `to must be after from, at most ${MAX_SERIES_DAYS} days apart`,
            'invalid-request',
          );
        }
        await audit(caller, 'handling-daily', { from: req.query.from, to: req.query.to });
        const input = await readHandling(deps.pool, caller.orgPath, { from, to, now: deps.clock() });
        return {
          from: req.query.from,
          to: req.query.to,
          offices: input.offices,
          days: handlingByDay(input),
        };
      },
    );

    api.get(
      '/oversight/lost-contact',
      {
        schema: {
          ...meta,
          description:
            'Every lost-contact case in scope: start, days off supervision (to resolution or now), sanction ' +
            'milestones reached, whether police were notified.',
          querystring: LostContactQuery,
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const milestones = [
          { name: 'warning', days: req.query.warningDays },
          { name: 'revocation_proposal', days: req.query.revocationDays },
        ];
        await audit(caller, 'lost-contact');
        const rows = await readLostContact(deps.pool, caller.orgPath);
        return lostContactRegister(rows, deps.clock(), milestones);
      },
    );

    api.get(
      '/oversight/em-legality',
      {
        schema: {
          ...meta,
          description:
            'Art. 29: orders ending soon, expired orders, extensions per person, and the checks that must be zero: ' +
            'fixes or incidents outside any order in force, orders without ground or approver.',
          querystring: LegalityQuery,
        },
      },
      async (req) => {
        const caller = callerOf(req);
        await audit(caller, 'em-legality');
        const now = deps.clock();
        const orders = await readOrders(deps.pool, caller.orgPath);
        const checks = await readLegalityChecks(deps.pool, caller.orgPath);
        return {
          now: new Date(now).toISOString(),
          ...emLegality(orders, now, req.query.soonDays),
          ...checks,
        };
      },
    );

    api.get(
      '/oversight/missed-intake',
      {
        schema: {
          ...meta,
          description:
            'Missed intake: people with an order in force whose device never reported or first reported more ' +
            'than a day after the order began; registered devices reporting while assigned to nobody (city ' +
            'level only); orders whose period passed without a single fix.',
        },
      },
      async (req) => {
        const caller = callerOf(req);
        await audit(caller, 'missed-intake');
        const now = deps.clock();
        const orders = await readOrders(deps.pool, caller.orgPath);
        const lateIntake = orders.flatMap((o) => {
          if (!inForce(o, now)) return [];
          const finding = intakeFinding(o, o.firstFixAt, now);
          return finding
            ? [
                {
                  finding,
                  orderId: o.id,
                  superviseeId: o.superviseeId,
                  orgUnitId: o.orgUnitId,
                  startsAt: new Date(o.startsAt).toISOString(),
                  firstFixAt: o.firstFixAt === null ? null : new Date(o.firstFixAt).toISOString(),
                },
              ]
            : [];
        });
        const neverActivated = orders
          .filter((o) => effectiveEnd(o) <= now && effectiveEnd(o) > o.startsAt && o.firstFixAt === null)
          .map((o) => ({
            orderId: o.id,
            superviseeId: o.superviseeId,
            orgUnitId: o.orgUnitId,
            startsAt: new Date(o.startsAt).toISOString(),
            endedAt: new Date(effectiveEnd(o)).toISOString(),
          }));
        // An unassigned device belongs to no unit: only the city sees it (as GET /devices/:id).
        const unassigned = caller.orgLevel === 'city' ? await readUnassignedReporting(deps.pool) : null;
        return {
          now: new Date(now).toISOString(),
          lateIntake,
          unassignedDevicesReporting: unassigned,
          neverActivated,
        };
      },
    );

    api.get(
      '/oversight/sample',
      {
        schema: {
          ...meta,
          description:
            'Sampled review: N people per office drawn at random from a seed (given, or generated and returned). ' +
            'The same seed over the same people draws the same sample; each draw is recorded in the audit log.',
          querystring: SampleQuery,
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const seed = req.query.seed ?? randomUUID();
        const frame = await readSampleFrame(deps.pool, caller.orgPath);
        const offices = drawSample(frame.people, frame.offices, req.query.perOffice, seed);
        await audit(caller, 'sample', {
          seed,
          perOffice: req.query.perOffice,
          people: offices.flatMap((o) => o.people),
        });
        return {
          seed,
          perOffice: req.query.perOffice,
          drawnAt: new Date(deps.clock()).toISOString(),
          offices,
        };
      },
    );
  };
}
