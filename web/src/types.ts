// Shapes of the API answers the console reads (src/api/routes/*). The routes declare no response
// schemas yet, so these are written from the queries; the end-to-end tests keep them honest.
import type { Geometry } from 'geojson';
import type { AlertKind, FixSource, Severity, SupervisionLevel, ZoneKind } from '../../schemas/enums.js';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: number;
  superviseeId: string;
  orgUnitId: string;
  kind: AlertKind;
  zoneId: string | null;
  severity: Severity;
  state: IncidentState;
  conditionActive: boolean;
  startedAt: string;
  openedAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  disposition: string | null;
  note: string | null;
  escalationLevel: number;
  confidence: number | null;
  late: boolean;
}

export interface HistoryEntry {
  cursor: number;
  at: string;
  actor: string;
  action: string;
  data: Record<string, unknown>;
}

export interface LastFix {
  ts: string;
  lat: number;
  lon: number;
  accuracyM: number | null;
  source: FixSource | null;
  batteryPct: number | null;
}

export interface MapPerson {
  id: string;
  name: string;
  level: SupervisionLevel;
  orgUnitId: string;
  lastFix: LastFix | null;
  openIncidents: number;
  worstSeverity: Severity | null;
  inViolation: boolean;
}

export interface ZoneFeature {
  type: 'Feature';
  id: string;
  geometry: Geometry | null;
  properties: { kind: ZoneKind; name: string; radiusM: number | null; superviseeId: string | null };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: ZoneFeature[];
}

export interface ConsoleMap {
  people: MapPerson[];
  zones: FeatureCollection;
}

export interface Supervisee {
  id: string;
  orgUnitId: string;
  name: string;
  level: SupervisionLevel;
}

export interface EmOrder {
  id: string;
  ground: string;
  approver: string;
  startsAt: string;
  endsAt: string;
  revokedAt: string | null;
}

export interface LeavePermit {
  id: string;
  startsAt: string;
  endsAt: string;
  reason: string;
  status: string;
  returnedAt: string | null;
}

export interface Device {
  id: string;
  kind: 'ankle' | 'phone';
  disabled: boolean;
}

export interface DeviceStatus extends Device {
  lastFix: {
    ts: string;
    receivedAt: string;
    lat: number;
    lon: number;
    accuracyM: number;
    source: FixSource;
  } | null;
  battery: { pct: number; ts: string } | null;
}

/** One playback point: a stored fix, or an hourly summary for ranges over two days. */
export interface TrackPoint {
  ts: string;
  lat: number;
  lon: number;
  accuracyM: number | null;
}

export interface Track {
  resolution: 'fix' | 'hour';
  points: TrackPoint[];
  truncated: boolean;
}
