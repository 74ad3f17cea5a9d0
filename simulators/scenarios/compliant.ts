// Days that must give zero alerts: ordinary routines with every device imperfection switched on,
// and a device parked right on a boundary (the classic source of flapping alerts, Traccar #2189).
import type { SupervisionLevel } from '../../schemas/enums.js';
import { delta, distanceM, type LatLon, offset } from '../geo.js';
import { DRIVE_MPS, WALK_MPS } from '../itinerary.js';
import { clock } from '../routine.js';
import { COUNTY_POINTS, routeClearOfSites, ZIYANG } from '../world.js';
import { instance, RESIDENCE_HALF_M, type ScenarioDef, supervisee } from './common.js';

function compliant(
  name: string,
  level: SupervisionLevel,
  phone: 'owntracks' | 'osmand' | null,
  ankle = true,
): ScenarioDef {
  const devices = [ankle ? 'ankle monitor (native MQTT)' : null, phone ? `phone (${phone})` : null];
  const def: ScenarioDef = {
    name,
    description:
      `Compliant ${level} supervisee with ${devices.filter(Boolean).join(' + ')}: home at night, work or ` +
      'market by day, with outages, indoor signal loss, street canyons, clock skew and duplicates. No alert.',
    persons: 1,
    build(ctx) {
      const { person, residence } = supervisee(ctx, 'p', { level, phone, ankle });
      return instance(ctx, def, { persons: [person], zones: [residence] });
    },
  };
  return def;
}

export const compliantNormal = compliant('compliant-day', 'normal', null);
export const compliantStrict = compliant('compliant-strict', 'strict', null);
export const compliantLenient = compliant('compliant-lenient', 'lenient', null);
export const compliantWithPhone = compliant('compliant-ankle-and-owntracks-phone', 'normal', 'owntracks');
export const compliantPhoneOnly = compliant('compliant-osmand-phone-only', 'normal', 'osmand', false);

/**
 * Home as the curfew begins: out at a teahouse in the evening, through the door 10–50 s after 22:00.
 * The last fix before the window shows the person out in the street; the next, due after the
 * window start, shows them home. Under a minute of lateness at the door is no violation an officer
 * wants raised (DOMAIN.md: more than one fix before a violation), so no alert: the presence check
 * at a window's start waits until a fix is overdue, not only the evidence time (issue 4).
 */
export const homeAtCurfewStart: ScenarioDef = {
  name: 'home-at-curfew-start',
  description:
    'At a teahouse from 19:30, walks or rides home, through the door 10–50 s after 22:00. No alert.',
  persons: 1,
  build(ctx) {
    const { person, residence } = supervisee(ctx, 'p', {
      special: (b, day, ds, places, rng) => {
        if (day !== ctx.violationDay) return false;
        const d = distanceM(places.teahouse, places.home);
        const tripMs = Math.max(1_000, Math.round((d / (d < 1_200 ? WALK_MPS : DRIVE_MPS)) * 1000));
        const arrival = clock(ds, '22:00') + Math.round(rng.uniform(10, 50) * 1000);
        b.stayUntil(clock(ds, '19:30'))
          .goTo(places.teahouse, 'teahouse', { wanderM: 10 })
          .stayUntil(arrival - tripMs)
          .goTo(places.home, 'home');
        return true;
      },
    });
    return instance(ctx, homeAtCurfewStart, { persons: [person], zones: [residence] });
  },
};

/** A point `insideM` inside the county boundary, mid-edge, nearest `from` on a route clear of sites. */
function countyEdgePoint(from: LatLon, insideM: number): LatLon {
  let best: LatLon | null = null;
  for (let i = 0; i < COUNTY_POINTS.length; i++) {
    const a = COUNTY_POINTS[i]!;
    const b = COUNTY_POINTS[(i + 1) % COUNTY_POINTS.length]!;
    const mid = { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
    const e = delta(a, b);
    const len = Math.hypot(e.east, e.north);
    // Of the two perpendiculars to the edge, the inward one points at the centre.
    const c = delta(mid, ZIYANG);
    const sign = -e.north * c.east + e.east * c.north >= 0 ? 1 : -1;
    const p = offset(mid, (sign * -e.north * insideM) / len, (sign * e.east * insideM) / len);
    if (!routeClearOfSites(from, p)) continue;
    if (!best || distanceM(from, p) < distanceM(from, best)) best = p;
  }
  if (!best) throw new Error('boundary scenario: no county edge reachable on a clear route');
  return best;
}

export const boundaryParked: ScenarioDef = {
  name: 'parked-on-boundary',
  description:
    'Sleeps 3 m inside the residence boundary through the curfew (GNSS in the yard), then parks 5 m ' +
    'inside the county boundary 08:30–16:00. Expect no alert.',
  persons: 1,
  build(ctx) {
    const built = supervisee(ctx, 'p', {
      prohibitionSiteIds: [],
      special: (b, day, ds) => {
        if (day !== ctx.violationDay) return false;
        const home = b.position;
        b.goTo(offset(home, RESIDENCE_HALF_M - 3, 0), 'yard on the residence boundary', {
          env: 'open',
          wanderM: 0,
        })
          .stayUntil(clock(ds, '06:30'))
          .goTo(home, 'home')
          .stayUntil(clock(ds, '07:30'))
          .goTo(countyEdgePoint(home, 5), 'stall on the county boundary', { env: 'open', wanderM: 0 })
          .stayUntil(clock(ds, '16:00'))
          .goTo(home, 'home');
        return true;
      },
    });
    return instance(ctx, boundaryParked, { persons: [built.person], zones: [built.residence] });
  },
};
