// Device-side violations: a monitor that goes silent (失联, Art. 30), a cut strap, a battery run
// down, and a monitor left at home while the person goes out with the phone (人机分离).
import { distanceM } from '../geo.js';
import { LEVELS } from '../levels.js';
import { clock, DAY, HOUR, MINUTE } from '../routine.js';
import { expectTimer, expectZone, instance, type ScenarioDef, supervisee } from './common.js';

export const lostContact: ScenarioDef = {
  name: 'lost-contact',
  description: 'The ankle monitor goes silent at 14:30 (no store-and-forward) and comes back at 16:30.',
  persons: 1,
  build(ctx) {
    const ds = ctx.start + ctx.violationDay * DAY;
    const from = clock(ds, '14:30');
    const to = clock(ds, '16:30');
    const { person, residence } = supervisee(ctx, 'p', {
      ankleBehaviour: (base) => ({
        // Ordinary short outages near the silence would blur when it began.
        outages: [
          ...base.outages.filter((o) => o.to < from - HOUR || o.from > to + HOUR),
          { from, to, storeAndForward: false },
        ],
      }),
    });
    const timeout = LEVELS[person.level].lostContactMs;
    return instance(ctx, lostContact, {
      persons: [person],
      zones: [residence],
      expected: [expectTimer(person, 'lost_contact', from, to, timeout)],
    });
  },
};

export const strapTamper: ScenarioDef = {
  name: 'strap-tamper',
  description: 'At home in the afternoon, the strap is cut at 15:00; the monitor stays on the floor at home.',
  persons: 1,
  build(ctx) {
    const ds = ctx.start + ctx.violationDay * DAY;
    const cut = clock(ds, '15:00');
    const { person, residence } = supervisee(ctx, 'p', {
      special: (b, day, dayStart, places) => {
        if (day !== ctx.violationDay) return false;
        b.stayUntil(clock(dayStart, '09:00'))
          .goTo(places.market, 'market', { env: 'open', wanderM: 30 })
          .stayUntil(clock(dayStart, '10:30'))
          .goTo(places.home, 'home');
        return true;
      },
      ankleCarrier: (it) => it.withStay(cut, ds + DAY, it.at(cut).pos, 'indoor', 'cut strap on the floor'),
      ankleBehaviour: { events: [{ at: cut, type: 'strap_tamper', detail: 'strap circuit open' }] },
    });
    return instance(ctx, strapTamper, {
      persons: [person],
      zones: [residence],
      expected: [expectTimer(person, 'strap_tamper', cut, ds + DAY, 0)],
    });
  },
};

/** Battery 60 % at midnight, draining 5 %/h: below 15 % at ~09:06; charged from 10:05. */
export const batteryLow: ScenarioDef = {
  name: 'battery-low',
  description: 'Monitor not charged overnight: battery below 15 % at ~09:06, charged from 10:05 (day 0).',
  persons: 1,
  build(ctx) {
    const drain = 5;
    const start = 60;
    const low = ctx.start + ((start - 14.5) / drain) * HOUR;
    const charging = [{ from: low + 59 * MINUTE, to: low + 179 * MINUTE }];
    for (let d = 0; d < ctx.days; d++) {
      const ds = ctx.start + d * DAY;
      if (d > 0) charging.push({ from: clock(ds, '07:00'), to: clock(ds, '08:00') });
      charging.push({ from: clock(ds, '21:30'), to: clock(ds, '23:30') });
    }
    const { person, residence } = supervisee(ctx, 'p', {
      ankleBehaviour: { batteryStartPct: start, drainPctPerHour: drain, charging },
    });
    const interval = LEVELS[person.level].reportIntervalMs;
    return instance(ctx, batteryLow, {
      persons: [person],
      zones: [residence],
      expected: [expectTimer(person, 'battery_low', low, charging[0]!.from, 0, interval)],
    });
  },
};

export const separation: ScenarioDef = {
  name: 'person-device-separation',
  description:
    'Home from 10:40; at 19:00 goes to a teahouse with the phone (OwnTracks) and leaves the ankle monitor at home, back ~21:00.',
  persons: 1,
  build(ctx) {
    const ds = ctx.start + ctx.violationDay * DAY;
    const leave = clock(ds, '19:00');
    let back = clock(ds, '21:00');
    const { person, residence, places } = supervisee(ctx, 'p', {
      phone: 'owntracks',
      special: (b, day, dayStart, p) => {
        if (day !== ctx.violationDay) return false;
        b.stayUntil(clock(dayStart, '09:00'))
          .goTo(p.market, 'market', { env: 'open', wanderM: 30 })
          .stayUntil(clock(dayStart, '10:30'))
          .goTo(p.home, 'home')
          .stayUntil(leave)
          .goTo(p.teahouse, 'teahouse')
          .stayUntil(clock(dayStart, '20:45'))
          .goTo(p.home, 'home');
        back = b.now;
        return true;
      },
      ankleCarrier: (it) => it.withStay(leave, back, it.at(leave).pos, 'indoor', 'monitor left at home'),
    });
    const away = person.itinerary.firstTime(leave, back, (p) => distanceM(p, places.home) > 200);
    if (away === null) throw new Error('separation scenario: phone never 200 m from the monitor');
    const phoneInterval = person.devices.find((d) => d.kind === 'phone')!.intervalMs;
    return instance(ctx, separation, {
      persons: [person],
      zones: [residence],
      expected: [expectZone(person, 'person_device_separation', away, back, phoneInterval)],
    });
  },
};
