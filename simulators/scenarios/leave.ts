// Leave (请假, Art. 27): a permit opens a destination and a window; returning in time is no alert,
// not being back by the end plus grace is "leave overdue" from that deadline.
import { circleAround, type LatLon } from '../geo.js';
import { clock, DAY, MINUTE } from '../routine.js';
import type { ScenarioInstance } from '../scenario.js';
import { COUNTY, routeClearOfSites, TOWNS_OUTSIDE } from '../world.js';
import {
  DETECTION_SLACK_MS,
  expectTimer,
  instance,
  type ScenarioContext,
  type ScenarioDef,
  supervisee,
} from './common.js';
import { outsideSpan } from './zones.js';

const GRACE_MIN = 60;

function leaveScenario(
  def: ScenarioDef,
  ctx: ScenarioContext,
  permitEnd: string,
  backFrom: string,
): ScenarioInstance {
  let town: { name: string; at: LatLon } | undefined;
  const { person, residence } = supervisee(ctx, 'p', {
    prohibitionSiteIds: [],
    special: (b, day, ds, places) => {
      if (day !== ctx.violationDay) return false;
      town = TOWNS_OUTSIDE.find((t) => routeClearOfSites(places.home, t.at)) ?? TOWNS_OUTSIDE[0]!;
      b.stayUntil(clock(ds, '09:00'))
        .goTo(town.at, town.name, { env: 'open', wanderM: 40 })
        .stayUntil(clock(ds, backFrom))
        .goTo(places.home, 'home');
      return true;
    },
  });
  const ds = ctx.start + ctx.violationDay * DAY;
  const destination = {
    key: `${ctx.id}/leave-destination`,
    kind: 'leave' as const,
    orgUnitId: person.orgUnitId,
    name: `请假目的地 ${town!.name}`,
    geometry: circleAround(town!.at, 5_000),
  };
  const endsAt = clock(ds, permitEnd);
  const deadline = endsAt + GRACE_MIN * MINUTE;
  const [, back] = outsideSpan(person.itinerary, COUNTY.geometry, clock(ds, '09:00'), ds + DAY);
  const overdue = back > deadline;
  return instance(ctx, def, {
    persons: [person],
    zones: [residence, destination],
    leaves: [
      {
        personKey: person.key,
        destinationZoneKey: destination.key,
        startsAt: clock(ds, '08:00'),
        endsAt,
        graceMinutes: GRACE_MIN,
      },
    ],
    // Overdue is decided at the deadline by the timer (or the next fix): no evidence window.
    expected: overdue ? [expectTimer(person, 'leave_overdue', deadline, back, 0, DETECTION_SLACK_MS)] : [],
  });
}

export const leaveOnTime: ScenarioDef = {
  name: 'leave-returned-on-time',
  description:
    'Approved leave 08:00–20:00 to a town outside the county; leaves 09:00, back by ~16:30. No alert.',
  persons: 1,
  build: (ctx) => leaveScenario(leaveOnTime, ctx, '20:00', '15:00'),
};

export const leaveOverdue: ScenarioDef = {
  name: 'leave-overdue',
  description: 'Approved leave 08:00–15:00 (+60 min grace); still away at 16:00, starts back at 17:30.',
  persons: 1,
  build: (ctx) => leaveScenario(leaveOverdue, ctx, '15:00', '17:30'),
};
