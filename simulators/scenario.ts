// A scenario: people, their devices and zones, what they truly do, and the alerts that truth must
// produce (kind, true start, and the time the documented rules may take). Plain data: a runner
// provisions it in a service and plays its devices; a scorer compares incidents with `expected`.
import type { AlertKind, DeviceEventType, SupervisionLevel } from '../schemas/enums.js';
import type { LatLon, ZoneShape } from './geo.js';
import type { Itinerary } from './itinerary.js';
import type { Window } from './noise.js';

export type DeviceProtocol = 'native' | 'owntracks' | 'osmand';

/** Weekly curfew window, local (Asia/Shanghai) minutes after midnight; end ≤ start runs past midnight. */
export interface CurfewWindow {
  readonly weekday: number;
  readonly startMin: number;
  readonly endMin: number;
}

export interface Outage extends Window {
  /** The device kept its fixes and events and sends them as a batch when back (store-and-forward). */
  readonly storeAndForward: boolean;
}

export interface ScheduledEvent {
  readonly at: number;
  readonly type: DeviceEventType;
  readonly detail?: string;
}

export interface DeviceBehaviour {
  readonly outages: readonly Outage[];
  /** Indoors without any position: the monitor sends a heartbeat instead of a fix. */
  readonly noFix: readonly Window[];
  /** Street-canyon bursts: GNSS accuracy 30–80 m while outdoors in town. */
  readonly canyon: readonly Window[];
  readonly events: readonly ScheduledEvent[];
  readonly charging: readonly Window[];
  readonly batteryStartPct: number;
  readonly drainPctPerHour: number;
  /** Device clock minus true time. */
  readonly skewMs: number;
  /** Share of telemetry messages sent twice (a QoS 1 resend). */
  readonly duplicateRate: number;
  /** Ankle monitors: `no_motion` after 30 min still, and a fix soon after motion resumes. */
  readonly motionSensor: boolean;
}

export interface DeviceSpec {
  readonly key: string;
  /** Owner's person key; null for a protected person's phone. */
  readonly personKey: string | null;
  readonly kind: 'ankle' | 'phone';
  readonly protocol: DeviceProtocol;
  /** Where the device truly is (the wearer's itinerary, or a place it was left). */
  readonly carrier: Itinerary;
  /** Initial reporting interval; a native device then follows its retained config. */
  readonly intervalMs: number;
  readonly behaviour: DeviceBehaviour;
  readonly seed: string;
}

export interface PersonSpec {
  readonly key: string;
  readonly name: string;
  readonly level: SupervisionLevel;
  readonly orgUnitId: string;
  readonly home: LatLon;
  readonly itinerary: Itinerary;
  readonly devices: readonly DeviceSpec[];
  /** World exclusion sites (prohibition zones) ordered for this person. */
  readonly prohibitionSiteIds: readonly string[];
}

export interface ZoneSpec {
  readonly key: string;
  readonly kind: 'residence' | 'leave' | 'prohibition' | 'protected_person';
  readonly orgUnitId: string;
  readonly name: string;
  readonly geometry: ZoneShape;
  /** Residence: whose. */
  readonly ownerKey?: string;
  readonly curfew?: readonly CurfewWindow[];
  /** Protected person: the phone whose position is the centre. */
  readonly protectedDeviceKey?: string;
  readonly assignToKeys?: readonly string[];
}

export interface LeaveSpec {
  readonly personKey: string;
  readonly destinationZoneKey: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly graceMinutes: number;
}

export interface ExpectedAlert {
  readonly personKey: string;
  readonly kind: AlertKind;
  /** When the violation truly began (ground truth from the itinerary or the device script). */
  readonly trueStart: number;
  /** When it truly ended (or the scenario end). */
  readonly trueEnd: number;
  /** Time the documented rules need once it begins (evidence window, timeout). */
  readonly evidenceMs: number;
  /** Latest acceptable opening, after trueStart: evidence plus delivery and timer slack. */
  readonly deadlineMs: number;
}

export interface ScenarioInstance {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** False when the service does not evaluate this rule yet: the expectation is kept but not asserted. */
  readonly wired: boolean;
  readonly notWiredReason?: string;
  readonly start: number;
  readonly end: number;
  readonly persons: readonly PersonSpec[];
  /** Devices without a supervisee (a protected person's phone). */
  readonly otherDevices: readonly DeviceSpec[];
  readonly zones: readonly ZoneSpec[];
  readonly leaves: readonly LeaveSpec[];
  /** Linked supervisees (co-defendants), for gathering. */
  readonly links: readonly (readonly [string, string])[];
  readonly expected: readonly ExpectedAlert[];
}
