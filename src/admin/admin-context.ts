import type pg from 'pg';

/** Where broker-side credentials live when the broker is not embedded (Mosquitto dynamic security). */
export interface BrokerCredentials {
  provisionDevice(deviceId: string, secret: string, owntracksTopic?: string): Promise<void>;
  revokeDevice(deviceId: string): Promise<void>;
}

/** What every administrative use case needs: the database and a way to say "the directory changed". */
export interface AdminContext {
  readonly pool: pg.Pool;
  readonly brokerCredentials: BrokerCredentials | null;
  directoryChanged(): Promise<void>;
}

export class ValidationError extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join('; '));
  }
}
