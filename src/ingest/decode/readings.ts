// Informational readings (speed, heading, altitude, battery, an event's text) are dropped, not refused,
// when out of range or of the wrong type, and the fix or event kept (`informational` in schemas/wire/).
// The drop must still not be silent (DEVELOPERS.md non-negotiable 4): every decoder reports the wire
// fields it dropped, and the pipeline counts them in em_readings_dropped_total{protocol,field}. Battery
// is where it matters: a model sending battery on a 0..255 scale would never raise battery_low
// (batteryFromFix), and this count is how an operator sees why.
import { isJsonObject, ownMember } from './json.js';

/** A raw member that carries no reading: left out, or JSON null (the device saying it has none). */
export const noReading = (value: unknown): boolean => value === undefined || value === null;

/**
 * The wire fields whose reading the decoder dropped: present in the raw item, absent from what the
 * decoder kept. `kept` maps each field the decoder reads (a dot path into `raw` for a nested member)
 * to the value it took from it. Only these fields are looked at, so a label is always one of the
 * decoder's own field names, never text from the payload (bounded metric cardinality), and a
 * malformed member the service never uses (an OwnTracks SSID) is not reported as a lost reading.
 * `absent` says which raw values mean "no reading" in the protocol (the Traccar SDK's -1).
 */
export function droppedReadings(
  raw: unknown,
  kept: Readonly<Record<string, unknown>>,
  absent: (value: unknown) => boolean = noReading,
): string[] {
  const dropped: string[] = [];
  for (const [field, value] of Object.entries(kept)) {
    if (value === undefined && !absent(rawMember(raw, field))) dropped.push(field);
  }
  return dropped;
}

function rawMember(raw: unknown, path: string): unknown {
  let value = raw;
  for (const key of path.split('.')) {
    if (!isJsonObject(value)) return undefined;
    value = ownMember(value, key);
  }
  return value;
}
