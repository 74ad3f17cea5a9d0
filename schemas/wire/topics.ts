// MQTT topics of the device contract. The device id is a topic level, authenticated by the broker's
// ACL; the service takes a device's identity from the topic, never from the payload.
import { z } from 'zod';
import { DeviceId } from './common.js';

export const NativeChannel = z.enum(['telemetry', 'events', 'config']);
export type NativeChannel = z.infer<typeof NativeChannel>;

export const NATIVE_TOPIC_PREFIX = 'em/v1/devices';

export function nativeTopic(deviceId: DeviceId, channel: NativeChannel): string {
  return `${NATIVE_TOPIC_PREFIX}/${deviceId}/${channel}`;
}

/** Subscription filter for one channel of every device ([MQTT-4.7.1-2] single-level wildcard). */
export function nativeTopicFilter(channel: NativeChannel): string {
  return `${NATIVE_TOPIC_PREFIX}/+/${channel}`;
}

export interface NativeTopic {
  readonly deviceId: DeviceId;
  readonly channel: NativeChannel;
}

/** The device and channel a native topic names, or null when it is not a well-formed native topic. */
export function parseNativeTopic(topic: string): NativeTopic | null {
  const levels = topic.split('/');
  if (levels.length !== 5 || `${levels[0]}/${levels[1]}/${levels[2]}` !== NATIVE_TOPIC_PREFIX) return null;
  const deviceId = DeviceId.safeParse(levels[3]);
  const channel = NativeChannel.safeParse(levels[4]);
  return deviceId.success && channel.success ? { deviceId: deviceId.data, channel: channel.data } : null;
}

/** OwnTracks publishes locations to `owntracks/{user}/{device}` (booklet, "JSON" → "Topics"). */
export const OWNTRACKS_TOPIC_FILTER = 'owntracks/+/+';

export interface OwnTracksTopic {
  readonly user: string;
  readonly device: string;
}

/** The user and device levels of an OwnTracks location topic, or null for sub-topics (cmd, event...). */
export function parseOwnTracksTopic(topic: string): OwnTracksTopic | null {
  const levels = topic.split('/');
  if (levels.length !== 3 || levels[0] !== 'owntracks' || !levels[1] || !levels[2]) return null;
  return { user: levels[1], device: levels[2] };
}
