import { describe, expect, it } from 'vitest';
import { alertChange } from '../../src/domain/rules/alert-change.js';
import { IDLE_TRACK, initialPersonState, TrackPhase } from '../../src/domain/rules/person-state.js';
import { ReportingModes } from '../../src/reporting/reporting-mode.js';

const change = (
  kind: 'jurisdiction_exit' | 'prohibition_entry' | 'battery_low',
  action: 'open' | 'update' | 'clear',
  zoneId?: string,
) => ({
  superviseeId: 'p1',
  change: alertChange({ kind, action, startedAt: 1, at: 2, confidence: 0.99, zoneId: zoneId ?? null }),
});

describe('adaptive reporting', () => {
  it('switches fast mode on with the first open violation and off when the last one clears', () => {
    const m = new ReportingModes();
    expect(m.apply([change('battery_low', 'open')])).toEqual(new Set());
    expect(m.isFast('p1')).toBe(false);
    expect(m.apply([change('jurisdiction_exit', 'open')])).toEqual(new Set(['p1']));
    expect(
      m.apply([change('prohibition_entry', 'open', 'school-1'), change('jurisdiction_exit', 'update')]),
    ).toEqual(new Set());
    expect(m.apply([change('jurisdiction_exit', 'clear')])).toEqual(new Set());
    expect(m.isFast('p1')).toBe(true);
    expect(m.apply([change('prohibition_entry', 'clear', 'school-1')])).toEqual(new Set(['p1']));
    expect(m.isFast('p1')).toBe(false);
  });

  it('reports fast already while a zone rule is gathering evidence, and normal again when it is idle', () => {
    const m = new ReportingModes();
    const idle = initialPersonState(0);
    const pending = { ...idle, jurisdiction: { ...IDLE_TRACK, phase: TrackPhase.pending } };
    expect(m.apply([], new Map([['p2', idle]]))).toEqual(new Set());
    expect(m.apply([], new Map([['p2', pending]]))).toEqual(new Set(['p2']));
    expect(m.isFast('p2')).toBe(true);
    expect(m.apply([], new Map([['p2', pending]]))).toEqual(new Set());
    expect(m.apply([], new Map([['p2', idle]]))).toEqual(new Set(['p2']));
    expect(m.isFast('p2')).toBe(false);
  });
});
