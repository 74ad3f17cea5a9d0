// Aedes hooks for the embedded broker: devices log in with their id and secret, publish only under
// their own id, and subscribe only to their own config. Ingest runs inside authorizePublish, because
// Aedes 1.x sends the QoS 1 PUBACK right after that hook calls back (ARCHITECTURE.md): the device is
// acknowledged only once its fixes are committed.
import type { Client } from 'aedes';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { BrokerHooks } from './embedded-broker.js';

/** [MQTT-3.2.2-3] CONNACK return code 4 (v3.1.1): bad user name or password. */
const BAD_USERNAME_OR_PASSWORD = 4;

export function embeddedIngestHooks(ingest: IngestService, metrics: Metrics, log: Logger): BrokerHooks {
  const identities = new WeakMap<Client, string>();
  return {
    authenticate(client, username, password, done) {
      if (username && password && ingest.authenticate(username, password.toString('utf8'))) {
        identities.set(client, username);
        return done(null, true);
      }
      metrics.refusals.inc({ reason: username ? 'unauthenticated' : 'unknown_device', protocol: 'mqtt' });
      const err = Object.assign(new Error('bad device id or secret'), {
        returnCode: BAD_USERNAME_OR_PASSWORD,
      });
      done(err, false);
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null); // the service's own publishes (device config)
      const deviceId = identities.get(client);
      if (!deviceId || !ingest.mayPublish(deviceId, packet.topic)) {
        // Charged to the authenticated id before anything is written: a device reconnecting to publish
        // under another id again and again would otherwise fill dead_letters without limit. Beyond its
        // allowance it is only counted as rate_limited (non-negotiable 4: floods never take us down).
        if (deviceId && !ingest.admit(deviceId)) return callback(new Error('rate limited'));
        // A device writing under another id is hostile: counted, kept, and disconnected.
        log.warn({ deviceId, topic: packet.topic }, 'device published outside its own topics');
        ingest
          .handleMqtt(packet.topic, packet.payload as Buffer, deviceId ?? null)
          .catch(() => {})
          .finally(() => callback(new Error('not authorized to publish on this topic')));
        return;
      }
      if (!ingest.admit(deviceId)) {
        // Not acknowledged: the device keeps the message and sends it again after reconnecting.
        return callback(new Error('rate limited'));
      }
      ingest.handleMqtt(packet.topic, packet.payload as Buffer, deviceId).then(
        () => callback(null),
        (err: Error) => {
          log.warn({ err, deviceId }, 'ingest failed; not acknowledging, the device will resend');
          callback(err);
        },
      );
    },
    authorizeSubscribe(client, subscription, callback) {
      const deviceId = identities.get(client);
      const device = deviceId ? ingest.ownTopics(deviceId) : [];
      if (device.includes(subscription.topic)) return callback(null, subscription);
      callback(new Error(`device ${deviceId} may not subscribe to ${subscription.topic}`));
    },
    // Device messages go to the service only; no device may read another's data.
    authorizeForward(client, packet) {
      const deviceId = identities.get(client);
      if (!deviceId) return packet;
      return ingest.ownTopics(deviceId).includes(packet.topic) ? packet : null;
    },
  };
}
