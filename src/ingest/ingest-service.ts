// The one entry for device messages from any adapter: authenticate the sender, decode the wire
// format, and hand the result to the pipeline. Resolves only once the batch holding the message is
// committed, so adapters acknowledge after persistence (ARCHITECTURE.md).
import { nativeTopic, parseNativeTopic, parseOwnTracksTopic } from '../../schemas/wire/topics.js';
import { deviceSecretMatches } from '../auth/device-secrets.js';
import type { Directory } from '../directory/directory.js';
import type { IngestProtocol } from '../domain/fix.js';
import type { Batcher } from '../pipeline/batcher.js';
import type { Submission, SubmissionOutcome } from '../pipeline/types.js';
import {
  type Decoded,
  type DecodeLimits,
  decodeNativeEvent,
  decodeNativeTelemetry,
  decodeOsmAnd,
  decodeOwnTracks,
  type OsmAndRequest,
  type RefusalReason,
} from './decode/index.js';
import { FloodGuard } from './flood-guard.js';

const RAW_KEEP = 4096;
/** The config topic is the service's, retained for the device to read (ARCHITECTURE.md wire contract). */
const CONFIG_IS_OURS = 'em/v1/devices/{id}/config is written by the service; devices only read it';

const RATE_LIMITED: SubmissionOutcome = Object.freeze({ accepted: 0, refused: 1, duplicates: 0 });
const RATE_LIMITED_HTTP = Object.freeze({ ...RATE_LIMITED, status: 429, message: 'rate limited' });

export class IngestService {
  private readonly floodGuard: FloodGuard;
  /** Failed OsmAnd authentications, per sender address: never charged to the device they name. */
  private readonly failedAuthGuard: FloodGuard;

  constructor(
    private readonly directory: Directory,
    private readonly batcher: Batcher,
    private readonly limits: DecodeLimits,
    private readonly clock: () => number = Date.now,
    floodGuard?: FloodGuard,
    private readonly onFlood: (deviceId: string | null) => void = () => {},
    failedAuthGuard?: FloodGuard,
  ) {
    this.floodGuard = floodGuard ?? new FloodGuard();
    this.failedAuthGuard = failedAuthGuard ?? new FloodGuard();
  }

  /**
   * Per-device flood check. A flooding device is refused without entering the pipeline (so it cannot
   * fill the dead-letter table or slow others); the adapter does not acknowledge, so nothing the device
   * was told is stored gets lost: MQTT disconnects it, HTTP answers 429.
   */
  admit(deviceId: string): boolean {
    if (this.floodGuard.allow(deviceId, this.clock())) return true;
    this.onFlood(deviceId);
    return false;
  }

  /**
   * The flood check for an OsmAnd request that proved no device (a wrong key, or no id at all):
   * charged to its sender's address, never to the device it names, so a forger is refused 429
   * without a dead letter each time once the address's allowance is spent.
   */
  private admitUnproven(sender: string | undefined, claimedId: string | null, now: number): boolean {
    if (this.failedAuthGuard.allow(sender ?? `id:${claimedId ?? ''}`, now)) return true;
    this.onFlood(claimedId);
    return false;
  }

  /** Broker login or HTTP key: the device id when the secret matches an enabled device. */
  authenticate(deviceId: string, secret: string): boolean {
    const device = this.directory.device(deviceId);
    return !!device && !device.disabled && deviceSecretMatches(secret, device.secretHash);
  }

  /** May this authenticated MQTT user publish on this topic? Only under its own id (ARCHITECTURE.md). */
  mayPublish(username: string, topic: string): boolean {
    const native = parseNativeTopic(topic);
    if (native) return native.deviceId === username && native.channel !== 'config';
    const ot = parseOwnTracksTopic(topic);
    if (ot) return this.directory.deviceByOwnTracks(ot.user, ot.device)?.id === username;
    // OwnTracks sub-topics (…/event, …/info, …/cmd) of the device's own topic are accepted and ignored.
    return this.isOwnTracksSubTopic(username, topic);
  }

  /** Topics a device may subscribe to and receive: its retained config, and OwnTracks commands. */
  ownTopics(deviceId: string): string[] {
    const device = this.directory.device(deviceId);
    if (!device) return [];
    const topics = [nativeTopic(deviceId, 'config')];
    if (device.owntracksUser) topics.push(`owntracks/${device.owntracksUser}/${device.owntracksDevice}/cmd`);
    return topics;
  }

  /** A publish from an authenticated MQTT client (or the service's own subscription on a real broker). */
  async handleMqtt(
    topic: string,
    payload: Buffer,
    authenticatedAs: string | null,
  ): Promise<SubmissionOutcome> {
    const receivedAt = this.clock();
    const native = parseNativeTopic(topic);
    if (native) {
      if (authenticatedAs !== null && native.deviceId !== authenticatedAs) {
        return this.refuse(
          'native',
          authenticatedAs,
          topic,
          payload,
          'forged_device_id',
          `publisher ${authenticatedAs} wrote under ${native.deviceId}`,
        );
      }
      // Read from a real broker (it authenticated the device, and its ACL kept it to its own topic):
      // the flood check happens here. Such a message cannot be left unacknowledged, as the embedded
      // broker's hook does: it would hold one of the service session's in-flight slots, which every
      // device shares, until a reconnect. So it is acknowledged, counted as rate_limited and not
      // stored. An honest device stays within the burst: a backlog goes out in batches of up to 500
      // fixes (schemas/wire/native.ts).
      if (authenticatedAs === null && !this.admit(native.deviceId)) return RATE_LIMITED;
      if (native.channel === 'config') {
        return this.refuse('native', native.deviceId, topic, payload, 'unknown_topic', CONFIG_IS_OURS);
      }
      const decoded =
        native.channel === 'telemetry'
          ? decodeNativeTelemetry(native.deviceId, payload, receivedAt, this.limits)
          : decodeNativeEvent(native.deviceId, payload, receivedAt, this.limits);
      return this.submit('native', native.deviceId, topic, payload, receivedAt, decoded);
    }
    const ot = parseOwnTracksTopic(topic);
    if (ot) {
      const device = this.directory.deviceByOwnTracks(ot.user, ot.device);
      if (!device) {
        return this.refuse(
          'owntracks',
          authenticatedAs,
          topic,
          payload,
          'unknown_device',
          `no device registered for owntracks/${ot.user}/${ot.device}`,
        );
      }
      if (authenticatedAs !== null && device.id !== authenticatedAs) {
        return this.refuse(
          'owntracks',
          authenticatedAs,
          topic,
          payload,
          'forged_device_id',
          `publisher ${authenticatedAs} wrote as ${device.id}`,
        );
      }
      if (authenticatedAs === null && !this.admit(device.id)) return RATE_LIMITED; // as for native
      const decoded = decodeOwnTracks(device.id, payload, receivedAt, this.limits);
      return this.submit('owntracks', device.id, topic, payload, receivedAt, decoded);
    }
    return this.refuseTopic(topic, payload, authenticatedAs);
  }

  /**
   * A publish on no device topic. The app's OwnTracks sub-topics (…/event, …/info, …/cmd) hold no
   * location: counted as not_a_location, nothing to inspect. Anything else (a typo'd channel) is
   * refused as unknown_topic, counted and kept, so a firmware bug shows in /metrics, not only in a log.
   */
  private refuseTopic(
    topic: string,
    payload: Buffer,
    authenticatedAs: string | null,
  ): Promise<SubmissionOutcome> {
    const own = authenticatedAs !== null && this.isOwnTracksSubTopic(authenticatedAs, topic);
    const protocol: IngestProtocol = own || topic.startsWith('owntracks/') ? 'owntracks' : 'native';
    if (own) {
      return this.refuse(protocol, authenticatedAs, topic, payload, 'not_a_location', 'OwnTracks sub-topic');
    }
    const detail = `no device topic: ${topic.slice(0, 200)}`;
    return this.refuse(protocol, authenticatedAs, topic, payload, 'unknown_topic', detail);
  }

  private isOwnTracksSubTopic(deviceId: string, topic: string): boolean {
    const device = this.directory.device(deviceId);
    return (
      !!device?.owntracksUser &&
      topic.startsWith(`owntracks/${device.owntracksUser}/${device.owntracksDevice}/`)
    );
  }

  /**
   * An OsmAnd request (Traccar Client). The device proves itself with its key (`key` parameter or
   * Authorization: Bearer), checked against the id the request names. `sender` is the client's
   * address, which failed keys are throttled by.
   */
  async handleOsmAnd(
    request: OsmAndRequest,
    key: string | null,
    raw: string,
    sender?: string,
  ): Promise<SubmissionOutcome & { status: number; message: string }> {
    const receivedAt = this.clock();
    const decoded = decodeOsmAnd(request, receivedAt, this.limits);
    const id = decoded.claimedDeviceId;
    if (!id) {
      if (!this.admitUnproven(sender, null, receivedAt)) return RATE_LIMITED_HTTP;
      // Keep the decoder's own reason (malformed_json, forged_device_id...) when it has one.
      const o =
        decoded.refusals.length > 0
          ? await this.submit('osmand', null, null, raw, receivedAt, {
              fixes: [],
              events: [],
              refusals: decoded.refusals,
              droppedReadings: [],
            })
          : await this.refuse(
              'osmand',
              null,
              null,
              raw,
              'schema_invalid',
              'no device id (id, deviceid or device_id)',
            );
      const message =
        decoded.refusals.map((r) => `${r.reason}: ${r.detail}`).join('; ') || 'missing device id';
      return { ...o, status: 400, message };
    }
    if (!key || !this.authenticate(id, key)) {
      // The key is checked before the device's allowance is spent (a SHA-256, cheap: device-secrets.ts).
      // Else anyone who knows a device id could silence that device with wrong keys: its own fixes
      // would then be answered 429 (non-negotiable 4: forged ids never drop good data).
      if (!this.admitUnproven(sender, id, receivedAt)) return RATE_LIMITED_HTTP;
      const known = !!this.directory.device(id);
      const reason: RefusalReason = known ? 'unauthenticated' : 'unknown_device';
      const o = await this.refuse('osmand', null, null, raw, reason, `${reason} for device ${id}`);
      return { ...o, status: 401, message: 'device key missing or wrong' };
    }
    if (!this.admit(id)) return RATE_LIMITED_HTTP;
    const outcome = await this.submit('osmand', id, null, raw, receivedAt, decoded);
    // 200 even for a refused fix, once its dead letter is committed, as MQTT acknowledges a refused
    // message: Traccar Client resends its oldest buffered position after any status >= 400, every 30 s,
    // forever, so a fix refused for good (too old, null island...) would hold back every later fix and
    // the phone would look like lost contact (Art. 30). 400/401/429 stay for what the phone can mend.
    return { ...outcome, status: 200, message: refusalAnswer(decoded.refusals) };
  }

  /** A refusal of a whole message is still committed (dead letter) before the sender is answered. */
  private refuse(
    protocol: IngestProtocol,
    deviceId: string | null,
    topic: string | null,
    payload: Buffer | string,
    reason: RefusalReason,
    detail: string,
  ): Promise<SubmissionOutcome> {
    const decoded: Decoded = { fixes: [], events: [], refusals: [{ reason, detail }], droppedReadings: [] };
    return this.submit(protocol, deviceId, topic, payload, this.clock(), decoded);
  }

  private submit(
    protocol: IngestProtocol,
    deviceId: string | null,
    topic: string | null,
    payload: Buffer | string,
    receivedAt: number,
    decoded: Decoded,
  ): Promise<SubmissionOutcome> {
    const raw =
      typeof payload === 'string'
        ? payload.slice(0, RAW_KEEP)
        : payload.subarray(0, RAW_KEEP).toString('utf8');
    const submission: Submission = {
      protocol,
      deviceId,
      topic: topic ?? undefined,
      raw,
      receivedAt,
      fixes: decoded.fixes,
      events: decoded.events,
      refusals: decoded.refusals,
      // Counted by the pipeline once the message is committed, as refusals are, so a QoS 1 message
      // redelivered after a failed commit is not counted twice.
      droppedReadings: decoded.droppedReadings,
    };
    return this.batcher.submit(submission);
  }
}

/** The body of a 200 answer: `ok`, or what was refused and why, for whoever reads the client's log. */
function refusalAnswer(refusals: Decoded['refusals']): string {
  if (refusals.length === 0) return 'ok';
  return `refused: ${refusals.map((r) => `${r.reason}: ${r.detail}`).join('; ')}`;
}
