// OwnTracks JSON as the iOS and Android apps publish it (https://owntracks.org/booklet/tech/json/).
// Only `_type: location` carries a fix. Fields the service does not need for a fix are described for
// device makers and dropped when malformed (`.catch`), so a third-party app's odd battery or SSID
// field never costs a position. Unknown fields are tolerated and stripped.
import { z } from 'zod';
import { Latitude, Longitude } from './common.js';

/** Every `_type` the apps publish (booklet, JSON table and "Topics"). Only `location` is a fix. */
export const OwnTracksType = z.enum([
  'location',
  'transition',
  'waypoint',
  'waypoints',
  'lwt',
  'card',
  'status',
  'cmd',
  'beacon',
  'steps',
  'configuration',
  'encrypted',
  'request',
  'dump',
]);
export type OwnTracksType = z.infer<typeof OwnTracksType>;

/** The member every OwnTracks message has; used to tell a location from everything else. */
export const OwnTracksEnvelope = z.object({ _type: z.string().max(64) });

const informational = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

export const OwnTracksLocation = z
  .object({
    _type: z.literal('location'),
    lat: Latitude,
    lon: Longitude,
    tst: z.number().min(0).describe('Fix time, UNIX epoch seconds'),
    // iOS adds `acc` only when it is >= 0: CoreLocation reports a negative accuracy for an invalid fix.
    acc: z.number().gt(0).optional().describe('Horizontal accuracy, metres'),
    alt: informational(z.number().describe('Altitude above sea level, metres')),
    vac: informational(z.number().min(0).describe('Vertical accuracy, metres')),
    vel: informational(z.number().min(0).describe('Speed, km/h')),
    cog: informational(z.number().min(0).max(360).describe('Course over ground, degrees')),
    batt: informational(z.number().min(0).max(100).describe('Battery level, percent')),
    bs: informational(
      z.int().min(0).max(3).describe('Battery status: 0 unknown, 1 unplugged, 2 charging, 3 full'),
    ),
    tid: informational(z.string().max(64).describe('Tracker id shown on maps')),
    t: informational(
      z
        .string()
        .max(8)
        .describe('Trigger: p ping, c region, b beacon, r response, u user, t timer, v monitoring'),
    ),
    conn: informational(z.string().max(8).describe('Connectivity: w wifi, o offline, m mobile')),
    m: informational(z.int().describe('Monitoring mode')),
    created_at: informational(z.number().min(0).describe('When the message was built, epoch seconds')),
    topic: informational(z.string().max(256).describe('Publish topic, sent in HTTP mode')),
    inregions: informational(z.array(z.string().max(256)).max(100).describe('Regions the device is in')),
    inrids: informational(
      z.array(z.string().max(64)).max(100).describe('Ids of the regions the device is in'),
    ),
    SSID: informational(z.string().max(64).describe('Wi-Fi network name')),
    BSSID: informational(z.string().max(64).describe('Wi-Fi access point MAC')),
  })
  .describe('OwnTracks location on owntracks/{user}/{device}');
export type OwnTracksLocation = z.infer<typeof OwnTracksLocation>;
