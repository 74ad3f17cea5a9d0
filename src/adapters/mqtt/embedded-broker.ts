// The in-process MQTT broker of the embedded default (Aedes). Device authentication and topic rights
// are hooks supplied by ingest. Aedes 1.x writes the PUBACK to a QoS 1 publisher only after
// `authorizePublish` calls back (ARCHITECTURE.md), so ingest completes durable handling inside that
// hook: a device is never told a fix was received before it is committed.
import { createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  readonly port: number;
  close(): Promise<void>;
}

export type BrokerHooks = Pick<
  AedesOptions,
  'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
>;

export class PortInUseError extends Error {}

export async function startEmbeddedBroker(
  host: string,
  port: number,
  hooks: BrokerHooks,
): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({ ...hooks, heartbeatInterval: 30_000, connectTimeout: 10_000 });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `MQTT port ${host}:${port} is already in use; set MQTT_LISTEN_PORT to a free port, ` +
              'or MQTT_URL to use the broker that is already running',
          ),
        );
      } else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    aedes,
    port: boundPort,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
