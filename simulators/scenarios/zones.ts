// Zone violations: curfew (late return, sneaking out at night), leaving the county without leave,
// and entering an exclusion zone (禁止令, Art. 31). True starts come from the itinerary and the
// zone geometry, never from what the devices report.
import { insideShape } from '../geo.js';
import type { Itinerary } from '../itinerary.js';
import { clock, compliantDay, DAY } from '../routine.js';
import type { ZoneSpec } from '../scenario.js';
import { COUNTY, EXCLUSION_SITES, routeClearOfSites, TOWNS_OUTSIDE } from '../world.js';
import { expectZone, instance, type ScenarioDef, supervisee } from './common.js';

/** [first time outside `zone` at or after `from`, first time back inside after that]. */
export function outsideSpan(
  it: Itinerary,
  zone: ZoneSpec['geometry'],
  from: number,
  to: number,
): [number, number] {
  const out = it.firstTime(from, to, (p) => !insideShape(zone, p));
  if (out === null) throw new Error('scenario: the itinerary never leaves the zone');
  const back = it.firstTime(out, to, (p) => insideShape(zone, p)) ?? to;
  return [out, back];
}

export const curfewLateReturn: ScenarioDef = {
  name: 'curfew-late-return',
  description: 'At a teahouse 19:30–23:10, home ~23:20: outside the residence when the 22:00 curfew begins.',
  persons: 1,
  build(ctx) {
    const { person, residence } = supervisee(ctx, 'p', {
      special: (b, day, ds, places) => {
        if (day !== ctx.violationDay) return false;
        b.stayUntil(clock(ds, '19:30'))
          .goTo(places.teahouse, 'teahouse')
          .stayUntil(clock(ds, '23:10'))
          .goTo(places.home, 'home');
        return true;
      },
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const curfewStart = clock(ds, '22:00');
    const back = person.itinerary.firstTime(curfewStart, ds + DAY, (p) => insideShape(residence.geometry, p));
    return instance(ctx, curfewLateReturn, {
      persons: [person],
      zones: [residence],
      expected: [expectZone(person, 'curfew_breach', curfewStart, back ?? ds + DAY)],
    });
  },
};

export const curfewSneakOut: ScenarioDef = {
  name: 'curfew-sneak-out',
  description: 'Leaves home at 01:10 for the market area, back at ~03:00, then an ordinary day.',
  persons: 1,
  build(ctx) {
    const { person, residence } = supervisee(ctx, 'p', {
      special: (b, day, ds, places, rng) => {
        if (day !== ctx.violationDay) return false;
        b.stayUntil(clock(ds, '01:10'))
          .goTo(places.market, 'market at night', { env: 'open', wanderM: 20 })
          .stayUntil(clock(ds, '02:50'))
          .goTo(places.home, 'home');
        compliantDay(b, rng, ds, places);
        return true;
      },
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const [out, back] = outsideSpan(
      person.itinerary,
      residence.geometry,
      clock(ds, '01:00'),
      clock(ds, '05:00'),
    );
    return instance(ctx, curfewSneakOut, {
      persons: [person],
      zones: [residence],
      expected: [expectZone(person, 'curfew_breach', out, back)],
    });
  },
};

export const countyExit: ScenarioDef = {
  name: 'county-exit-without-leave',
  description: 'Drives to a town outside the county at 09:30 without leave, stays until 14:00, drives back.',
  persons: 1,
  build(ctx) {
    const { person, residence } = supervisee(ctx, 'p', {
      special: (b, day, ds, places) => {
        if (day !== ctx.violationDay) return false;
        const town = TOWNS_OUTSIDE.find((t) => routeClearOfSites(places.home, t.at)) ?? TOWNS_OUTSIDE[0]!;
        b.stayUntil(clock(ds, '09:30'))
          .goTo(town.at, town.name, { env: 'open', wanderM: 40 })
          .stayUntil(clock(ds, '14:00'))
          .goTo(places.home, 'home');
        return true;
      },
      prohibitionSiteIds: [],
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const [out, back] = outsideSpan(person.itinerary, COUNTY.geometry, clock(ds, '09:30'), ds + DAY);
    return instance(ctx, countyExit, {
      persons: [person],
      zones: [residence],
      expected: [expectZone(person, 'jurisdiction_exit', out, back)],
    });
  },
};

export const prohibitionEntry: ScenarioDef = {
  name: 'prohibition-entry',
  description: 'Walks or drives into an exclusion zone (禁止令) at 15:00 and stays 40 minutes.',
  persons: 1,
  build(ctx) {
    const site = ctx.rng.fork('site').pick(EXCLUSION_SITES);
    const { person, residence } = supervisee(ctx, 'p', {
      prohibitionSiteIds: [site.id],
      special: (b, day, ds, places) => {
        if (day !== ctx.violationDay) return false;
        b.stayUntil(clock(ds, '15:00'))
          .goTo(site.at, site.name, { env: 'indoor', wanderM: 20 })
          .stayUntil(clock(ds, '16:00'))
          .goTo(places.home, 'home');
        return true;
      },
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const circle = { type: 'Circle', center: [site.at.lon, site.at.lat], radiusM: site.radiusM } as const;
    const entered = person.itinerary.firstTime(clock(ds, '15:00'), ds + DAY, (p) => insideShape(circle, p));
    if (entered === null) throw new Error('prohibition scenario: never entered');
    const left = person.itinerary.firstTime(entered, ds + DAY, (p) => !insideShape(circle, p)) ?? ds + DAY;
    return instance(ctx, prohibitionEntry, {
      persons: [person],
      zones: [residence],
      expected: [expectZone(person, 'prohibition_entry', entered, left)],
    });
  },
};
