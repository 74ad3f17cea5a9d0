// Shapes of the /api/v1/oversight/* answers, taken from the server's own types (types only, never
// runtime code: web/README.md), so a renamed figure fails the console's type check.
import type { DailySummaryContent } from '../../src/oversight/daily-summary.js';
import type { emLegality, IntakeFinding } from '../../src/oversight/em-legality.js';
import type { HandlingReport } from '../../src/oversight/handling.js';
import type { HandlingDay } from '../../src/oversight/handling-series.js';
import type { lostContactRegister } from '../../src/oversight/lost-contact.js';
import type { OfficeSample } from '../../src/oversight/sample.js';

export type { HandlingReport };

export interface HandlingDaily {
  from: string;
  to: string;
  offices: { id: string; name: string }[];
  days: HandlingDay[];
}

export type LostContactRegister = ReturnType<typeof lostContactRegister>;

export type EmLegalityReport = ReturnType<typeof emLegality> & {
  now: string;
  fixesOutsideOrder: number;
  fixesOutsideOrderByPerson: { superviseeId: string; fixes: number }[];
  incidentsOutsideOrder: number;
  ordersWithoutGroundOrApprover: number;
};

export interface MissedIntakeReport {
  now: string;
  lateIntake: {
    finding: IntakeFinding;
    orderId: string;
    superviseeId: string;
    orgUnitId: string;
    startsAt: string;
    firstFixAt: string | null;
  }[];
  unassignedDevicesReporting:
    | { deviceId: string; kind: string; refusedMessages: number; firstAt: string; lastAt: string }[]
    | null;
  neverActivated: {
    orderId: string;
    superviseeId: string;
    orgUnitId: string;
    startsAt: string;
    endedAt: string;
  }[];
}

export interface DailySummaries {
  from: string;
  to: string;
  items: { content: DailySummaryContent; sha256: string }[];
}

export interface SampleDraw {
  seed: string;
  perOffice: number;
  drawnAt: string;
  offices: OfficeSample[];
}
