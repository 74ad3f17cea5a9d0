// The pure parts of the daily summary: which local day is due at a moment, and the CSV export.
import { describe, expect, it } from 'vitest';
import { dailySummariesCsv, lastCompleteDay, localDay } from '../../src/oversight/daily-summary.js';

describe('daily summary day boundaries', () => {
  it('takes the day that ended last in local time (UTC+8 by default)', () => {
    // 2026-03-10 00:00 in Beijing is 2026-03-09 16:00 UTC.
    const midnight = Date.parse('2026-03-09T16:00:00Z');
    expect(lastCompleteDay(midnight, 480).day).toBe('2026-03-09');
    expect(lastCompleteDay(midnight - 1, 480).day).toBe('2026-03-08');
    expect(lastCompleteDay(midnight + 86_400_000 - 1, 480)).toEqual({
      day: '2026-03-09',
      from: Date.parse('2026-03-08T16:00:00Z'),
      to: midnight,
    });
  });

  it('works west of UTC and rejects what is not a day', () => {
    // 2026-03-10 00:30 UTC is still 2026-03-09 19:30 in UTC−5: the 8th is the last complete day.
    expect(lastCompleteDay(Date.parse('2026-03-10T00:30:00Z'), -300).day).toBe('2026-03-08');
    expect(localDay('2026-03-09', -300).from).toBe(Date.parse('2026-03-09T05:00:00Z'));
    expect(() => localDay('yesterday', 480)).toThrow(RangeError);
  });
});

describe('daily summary CSV', () => {
  it('quotes per RFC 4180 and defuses cells a spreadsheet would run as formulas', () => {
    const figures = {
      incidentsOpened: 1,
      supervisedPersonDays: 2,
      incidentsPerPersonDay: 0.5,
      acknowledgeP50S: null,
      acknowledgeP95S: null,
      resolveP50S: null,
      resolveP95S: null,
      escalatedToCounty: 0,
      escalatedToCity: 0,
      openAtGeneration: 0,
      lostContactStarted: 0,
      lostContactOngoing: 0,
    };
    const csv = dailySummariesCsv([
      {
        sha256: 'h',
        content: {
          countyId: 'c',
          countyName: 'County, "North"',
          day: '2026-03-10',
          from: '',
          to: '',
          utcOffsetMinutes: 480,
          generatedAt: 'g',
          county: {
            ...figures,
            ordersEndingWithin7Days: 0,
            ordersExpiredUnrevoked: 0,
            fixesOutsideOrder: 0,
            incidentsOutsideOrder: 0,
            ordersWithoutGroundOrApprover: 0,
          },
          offices: [{ orgUnitId: 'o', name: '=HYPERLINK("x")', ...figures }],
        },
      },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[1]).toBe('2026-03-10,c,c,"County, ""North""",1,2,0.5,,,,,0,0,0,0,0,g,h');
    expect(lines[2]).toBe(`2026-03-10,c,o,"'=HYPERLINK(""x"")",1,2,0.5,,,,,0,0,0,0,0,g,h`);
    expect(lines[3]).toBe('');
  });
});
