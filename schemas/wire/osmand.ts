// The OsmAnd protocol as Traccar Client sends it (https://www.traccar.org/osmand/, and traccar's
// OsmAndProtocolDecoder): query string (GET) or form body (POST) with text values, or, from Traccar
// Client 9, a JSON body in the background-location SDK's native shape. Unknown members are stripped.
import { z } from 'zod';
import { DecimalString, DeviceId, IsoInstant, Latitude, Longitude } from './common.js';

const informational = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * `timestamp`: epoch seconds, epoch milliseconds, or an ISO date (traccar decodeQuery). Seconds and
 * milliseconds are told apart by magnitude. Traccar also reads `yyyy-MM-dd HH:mm:ss` in the server's
 * zone; that form is refused here because the zone it means is unknowable.
 */
export const OsmAndTimestamp = z.union([z.string().regex(/^\s*\d{1,16}(?:\.\d+)?\s*$/), IsoInstant]);

export const OsmAndParams = z
  .object({
    id: DeviceId.optional().describe('Device identifier (or `deviceid`)'),
    deviceid: DeviceId.optional().describe('Device identifier (or `id`)'),
    lat: DecimalString.describe('Latitude, degrees'),
    lon: DecimalString.describe('Longitude, degrees'),
    timestamp: OsmAndTimestamp.describe('Fix time: epoch s, epoch ms or ISO-8601 with offset'),
    accuracy: DecimalString.describe('Horizontal accuracy, metres'),
    valid: z.string().max(8).optional().describe('true/false/1/0; anything but true or 1 is an invalid fix'),
    speed: informational(DecimalString.describe('Speed, KNOTS')),
    bearing: informational(DecimalString.describe('Course, degrees')),
    heading: informational(DecimalString.describe('Course, degrees (same as bearing)')),
    altitude: informational(DecimalString.describe('Altitude, metres')),
    batt: informational(DecimalString.describe('Battery level, percent')),
    charge: informational(z.string().max(8).describe('Charging: true/false')),
    hdop: informational(DecimalString.describe('Horizontal dilution of precision')),
    mock: z
      .string()
      .max(8)
      .optional()
      .describe(
        'true/1 when Android gave the position from a mock-location provider: refused as mock_location',
      ),
  })
  .describe('OsmAnd query or form parameters (all values are text)');
export type OsmAndParams = z.infer<typeof OsmAndParams>;

export const OsmAndJsonLocation = z.object({
  timestamp: IsoInstant.describe('Fix time'),
  coords: z.object({
    latitude: Latitude,
    longitude: Longitude,
    accuracy: z.number().gt(0).describe('Horizontal accuracy, metres'),
    // The SDK writes -1 when speed or heading is unknown; that drops the field, not the fix.
    speed: informational(z.number().min(0).describe('Speed, m/s (not knots, unlike the query form)')),
    heading: informational(z.number().min(0).max(360).describe('Heading, degrees')),
    altitude: informational(z.number().describe('Altitude, metres')),
  }),
  is_moving: informational(z.boolean()),
  odometer: informational(z.number()),
  event: informational(z.string().max(64)),
  battery: informational(
    z.object({
      level: informational(z.number().min(0).max(1).describe('Battery level, 0..1; -1 unknown')),
      is_charging: informational(z.boolean()),
    }),
  ),
  activity: informational(z.object({ type: z.string().max(64) })),
  /** Set by Android when the position came from a mock-location provider, the tool of spoofing apps. */
  mock: z.boolean().optional(),
});

export const OsmAndJson = z
  .object({ device_id: DeviceId, location: OsmAndJsonLocation })
  .describe('Traccar Client 9 JSON body');
export type OsmAndJson = z.infer<typeof OsmAndJson>;
