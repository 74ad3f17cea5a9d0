// Rules about other people: approaching a protected person (a victim whose phone defines a moving
// exclusion circle) and gathering of linked supervisees (同案犯聚集).
import { circleAround, destination, distanceM, type LatLon } from '../geo.js';
import { ItineraryBuilder } from '../itinerary.js';
import { clock, DAY, deviceSpec, MINUTE } from '../routine.js';
import { placeNear } from '../world.js';
import { expectTimer, expectZone, instance, type ScenarioDef, supervisee } from './common.js';

const PROTECTED_RADIUS_M = 500;

export const protectedApproach: ScenarioDef = {
  name: 'protected-person-approach',
  description:
    'A victim (protected person, 500 m circle around her OwnTracks phone) lives 2–4 km away; at 16:00 the supervisee drives to 150 m from her and stays 25 minutes.',
  persons: 1,
  build(ctx) {
    const rng = ctx.rng.fork('victim');
    let victimHome: LatLon | undefined;
    // Redraw the victim's home until no ordinary trip passes within 1 km of it.
    const candidate = supervisee(ctx, 'p', { prohibitionSiteIds: [] });
    for (let attempt = 0; attempt < 100; attempt++) {
      const v = placeNear(rng, candidate.places.home, 2_000, 4_000, []);
      const it = candidate.person.itinerary;
      let near = false;
      for (let t = it.start; t < it.end && !near; t += 30_000) near = distanceM(it.at(t).pos, v) < 1_000;
      if (!near) {
        victimHome = v;
        break;
      }
    }
    if (!victimHome) throw new Error('protected scenario: no victim home clear of the routine');
    const vh = victimHome;
    const built = supervisee(ctx, 'p', {
      prohibitionSiteIds: [],
      places: candidate.places,
      special: (b, day, ds, places) => {
        if (day !== ctx.violationDay) return false;
        const bearing = (Math.atan2(places.home.lon - vh.lon, places.home.lat - vh.lat) * 180) / Math.PI;
        b.stayUntil(clock(ds, '16:00'))
          .goTo(destination(vh, bearing, 150), 'near the protected person', { env: 'open', wanderM: 10 })
          .stayUntil(clock(ds, '16:25'))
          .goTo(places.home, 'home');
        return true;
      },
    });
    const { person, residence } = built;
    const victimIt = new ItineraryBuilder(ctx.start, vh, 'indoor', 'victim home', 5).build(
      ctx.start + ctx.days * DAY,
    );
    const phone = deviceSpec(rng, `${ctx.id}/victim-phone`, null, 'phone', 'owntracks', 'strict', victimIt, {
      // Freshness is judged on event time: keep the victim's phone clock right, always reporting.
      skewMs: 0,
      duplicateRate: 0,
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const near = person.itinerary.firstTime(
      clock(ds, '16:00'),
      ds + DAY,
      (p) => distanceM(p, vh) < PROTECTED_RADIUS_M,
    );
    if (near === null) throw new Error('protected scenario: never within the radius');
    const away =
      person.itinerary.firstTime(near, ds + DAY, (p) => distanceM(p, vh) >= PROTECTED_RADIUS_M) ?? ds + DAY;
    return instance(ctx, protectedApproach, {
      persons: [person],
      otherDevices: [phone],
      zones: [
        residence,
        {
          key: `${ctx.id}/protected`,
          kind: 'protected_person',
          orgUnitId: person.orgUnitId,
          name: '被害人 (protected person)',
          geometry: circleAround(vh, PROTECTED_RADIUS_M),
          protectedDeviceKey: phone.key,
          assignToKeys: [person.key],
        },
      ],
      expected: [expectZone(person, 'protected_person_proximity', near, away)],
    });
  },
};

/** Linked co-defendants meet at a teahouse 14:00–16:00 (30 minutes within 100 m opens it). */
export const gathering: ScenarioDef = {
  name: 'gathering',
  description: 'Two linked supervisees (co-defendants) sit together in a teahouse 14:00–16:00.',
  persons: 2,
  build(ctx) {
    const a = supervisee(ctx, 'a', { prohibitionSiteIds: [] });
    const meet = a.places.teahouse;
    const meetDay = (b: ItineraryBuilder, day: number, ds: number, home: LatLon) => {
      if (day !== ctx.violationDay) return false;
      b.stayUntil(clock(ds, '13:40'))
        .goTo(meet, 'teahouse', { wanderM: 5 })
        .stayUntil(clock(ds, '16:00'))
        .goTo(home, 'home');
      return true;
    };
    const first = supervisee(ctx, 'a', {
      prohibitionSiteIds: [],
      places: a.places,
      special: (b, d, ds, p) => meetDay(b, d, ds, p.home),
    });
    const second = supervisee(ctx, 'b', {
      prohibitionSiteIds: [],
      special: (b, d, ds, p) => meetDay(b, d, ds, p.home),
    });
    const ds = ctx.start + ctx.violationDay * DAY;
    const together = (t: number) =>
      distanceM(first.person.itinerary.at(t).pos, second.person.itinerary.at(t).pos) < 100;
    let since: number | null = null;
    for (let t = clock(ds, '13:00'); t < clock(ds, '17:00') && since === null; t += 10_000)
      if (together(t)) since = t;
    if (since === null) throw new Error('gathering scenario: never together');
    return instance(ctx, gathering, {
      persons: [first.person, second.person],
      zones: [first.residence, second.residence],
      links: [[first.person.key, second.person.key]],
      // One incident per person of the pair (evaluate stage: the change goes to both).
      expected: [first.person, second.person].map((p) =>
        expectTimer(p, 'gathering', since, clock(ds, '16:00'), 30 * MINUTE),
      ),
    });
  },
};
