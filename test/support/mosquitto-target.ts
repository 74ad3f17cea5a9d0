// The real-broker target: a Mosquitto 2 with authentication and dynamic security, started for the
// suite, and the service wired to it as in production (its own account, device accounts provisioned
// in the broker), storing into a real PostgreSQL when one is configured.
import { randomUUID } from 'node:crypto';
import type { BrokerTarget } from './brokers.js';
import { databaseTargets } from './databases.js';
import { type MosquittoInstance, startMosquitto } from './mosquitto.js';
import { startTestService, type TestService } from './service.js';

/**
 * The service wired to `broker` as in production (its own account, device accounts provisioned in the
 * broker), storing into a real PostgreSQL when one is configured. `stop` ends the service and drops
 * that database; the broker is the caller's.
 */
export async function serviceOnMosquitto(
  broker: MosquittoInstance,
  env: Record<string, string> = {},
): Promise<{ svc: TestService; stop(): Promise<void> }> {
  const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
  const database = postgres ? await postgres.create() : null;
  if (database) await database.db.close();
  try {
    const svc = await startTestService({
      MQTT_URL: broker.url,
      MQTT_ADMIN_USERNAME: broker.adminUsername,
      MQTT_ADMIN_PASSWORD: broker.adminPassword,
      MQTT_USERNAME: 'em-ingest',
      MQTT_PASSWORD: randomUUID(),
      MQTT_CLIENT_ID: `em-ingest-${randomUUID().slice(0, 8)}`,
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
      ...env,
    });
    return {
      svc,
      async stop() {
        await svc.cleanup();
        await database?.drop();
      },
    };
  } catch (err) {
    await database?.drop();
    throw err;
  }
}

export const mosquittoTarget: BrokerTarget = {
  name: 'mosquitto',
  async start(env = {}) {
    const broker = await startMosquitto();
    try {
      const { svc, stop } = await serviceOnMosquitto(broker, env);
      return {
        svc,
        deviceUrl: broker.url,
        async stop() {
          await stop();
          await broker.stop();
        },
      };
    } catch (err) {
      await broker.stop();
      throw err;
    }
  },
};
