// The normalised fix and device event every ingest adapter produces and every pipeline stage consumes.
// Wire formats (native MQTT, OwnTracks, OsmAnd) are decoded into these in src/ingest/.
import type { DeviceEventType, FixSource } from '../../schemas/enums.js';

export type IngestProtocol = 'native' | 'owntracks' | 'osmand';

export interface Fix {
  /** Registered device id (the authenticated sender, never a value taken from the payload alone). */
  readonly deviceId: string;
  /** Per-device counter, when the protocol carries one (native does; OwnTracks/OsmAnd do not). */
  readonly seq: number | null;
  /** Device time of the fix, epoch ms. Decisions follow this, not arrival time (ARCHITECTURE.md). */
  readonly ts: number;
  /** Server time the fix arrived, epoch ms. */
  readonly receivedAt: number;
  readonly lat: number;
  readonly lon: number;
  /** Horizontal accuracy in metres, 68% radius. */
  readonly accuracyM: number;
  readonly source: FixSource;
  readonly speedMps?: number | undefined;
  readonly headingDeg?: number | undefined;
  readonly altitudeM?: number | undefined;
  readonly batteryPct?: number | undefined;
  readonly protocol: IngestProtocol;
}

export interface DeviceEvent {
  readonly deviceId: string;
  readonly seq: number | null;
  readonly ts: number;
  readonly receivedAt: number;
  readonly type: DeviceEventType;
  readonly detail?: string | undefined;
  readonly protocol: IngestProtocol;
}
