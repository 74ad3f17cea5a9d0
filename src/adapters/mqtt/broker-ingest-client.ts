// Ingest from a real broker (Mosquitto, EMQX): one persistent MQTT v5 session, QoS 1, optionally a
// shared subscription so several instances split the work (issue 8). Device identity is enforced by
// the broker's own credentials and ACLs (mosquitto-dynsec.ts), so the topic's id is authoritative.
//
// PUBACK after commit: MQTT.js sends the PUBACK when `handleMessage` calls back, but it also waits for
// that callback before it reads the next packet, which would allow one message per commit. So the
// callback is given an error (MQTT.js then moves on without a PUBACK) and the PUBACK is sent here once
// the message's batch is committed. An unacknowledged message is redelivered to the persistent
// session on reconnect [MQTT-4.4.0-1], and ingest is idempotent, so a crash loses and duplicates nothing.
import mqtt, { type MqttClient } from 'mqtt';
import { nativeTopicFilter, OWNTRACKS_TOPIC_FILTER } from '../../../schemas/wire/topics.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { Logger } from '../../logger.js';

export interface BrokerIngestOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** MQTT v5 shared-subscription group; '' subscribes directly. */
  shareGroup: string;
  /** Reconnect when the connection drops (default); an adopted session (session-adoption.ts) does not. */
  reconnect?: boolean;
  /** How many unacknowledged messages the broker may send us at once [MQTT-3.1.2-11 Receive Maximum]. */
  receiveMaximum?: number;
  /** Connection up or lost (with why), for the dependency status (issue 10 item 4). */
  onConnectionChange?: (connected: boolean, reason: string) => void;
  /** Messages received and not yet acknowledged, whenever that number changes. */
  onUnacknowledged?: (count: number) => void;
  /**
   * Reconnected to a broker that no longer holds this session (sessionPresent 0 [MQTT-3.2.2-2]): it
   * lost its state, retained messages included (a crash before its save), or is another broker.
   */
  onSessionLost?: () => void;
}

const DEFER_PUBACK = Object.assign(new Error('PUBACK deferred until commit'), { deferred: true });

export interface BrokerIngestClient {
  readonly client: MqttClient;
  readonly connected: boolean;
  readonly inFlight: number;
  close(): Promise<void>;
}

export async function startBrokerIngest(
  options: BrokerIngestOptions,
  ingest: IngestService,
  log: Logger,
): Promise<BrokerIngestClient> {
  const client = mqtt.connect(options.url, {
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    clean: false,
    protocolVersion: 5,
    reconnectPeriod: options.reconnect === false ? 0 : 1000,
    connectTimeout: 10_000,
    properties: { sessionExpiryInterval: 7 * 24 * 3600, receiveMaximum: options.receiveMaximum ?? 2000 },
  });
  let inFlight = 0;
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    const { topic, messageId, qos } = packet;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    inFlight++;
    options.onUnacknowledged?.(inFlight);
    ingest.handleMqtt(topic, payload, null).then(
      () => {
        inFlight--;
        options.onUnacknowledged?.(inFlight);
        // The session may have been replaced meanwhile; the broker then redelivers and dedupe holds.
        if (qos > 0 && client.connected && messageId !== undefined) {
          (client as unknown as { _sendPacket(p: object, cb?: () => void): void })._sendPacket({
            cmd: 'puback',
            messageId,
            reasonCode: 0,
          });
        }
      },
      (err: Error) => {
        inFlight--;
        options.onUnacknowledged?.(inFlight);
        log.warn({ err, topic }, 'ingest failed; leaving the message unacknowledged for redelivery');
      },
    );
    if (qos > 0) callback(DEFER_PUBACK);
    else callback();
  };
  const prefix = options.shareGroup ? `$share/${options.shareGroup}/` : '';
  const filters = [nativeTopicFilter('telemetry'), nativeTopicFilter('events'), OWNTRACKS_TOPIC_FILTER].map(
    (f) => `${prefix}${f}`,
  );
  let connectedBefore = false;
  client.on('connect', (connack) => {
    log.info({ url: options.url, sessionPresent: connack.sessionPresent }, 'connected to MQTT broker');
    options.onConnectionChange?.(true, 'connected');
    if (connectedBefore && !connack.sessionPresent) options.onSessionLost?.();
    connectedBefore = true;
    // Resubscribe on every connect: cheap, and covers a broker that lost its session store.
    client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) log.error({ err }, 'MQTT subscribe failed');
    });
  });
  let lastError = 'connection closed';
  client.on('error', (err) => {
    lastError = err.message;
    log.warn({ err: err.message }, 'MQTT client error');
  });
  client.on('offline', () => log.warn({ url: options.url }, 'MQTT broker unreachable; reconnecting'));
  client.on('close', () => {
    if (!client.disconnecting) options.onConnectionChange?.(false, lastError);
    lastError = 'connection closed';
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no connection to MQTT broker ${options.url} within 15 s`)),
      15_000,
    );
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  }).catch(async (err) => {
    await client.endAsync(true);
    throw err;
  });
  return {
    client,
    get connected() {
      return client.connected;
    },
    get inFlight() {
      return inFlight;
    },
    close: () => client.endAsync(),
  };
}
