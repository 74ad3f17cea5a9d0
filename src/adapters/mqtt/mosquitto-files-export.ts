// Reads every enabled device's broker password hash from the database and writes Mosquitto's
// password_file and acl_file (mosquitto-files.ts), each replaced atomically (write, then rename), so
// a broker reloading on SIGHUP never reads half a file. Devices that cannot be written are counted
// and named, never silently dropped: no hash yet (registered before migration 4: rotate the secret),
// or an id holding `:`.
import { renameSync, writeFileSync } from 'node:fs';
import type pg from 'pg';
import {
  aclFileText,
  type BrokerAccount,
  type DeviceAccountRow,
  isFileProvisionable,
  passwordFileText,
} from './mosquitto-files.js';

export interface MosquittoFilesExport {
  readonly passwordFile: string;
  readonly aclFile: string;
  readonly devices: number;
  /** Enabled devices left out, with why. */
  readonly skipped: ReadonlyArray<{ deviceId: string; reason: 'no_broker_hash' | 'id_not_allowed' }>;
}

export async function exportMosquittoFiles(
  pool: Pick<pg.Pool, 'query'>,
  services: readonly BrokerAccount[],
): Promise<MosquittoFilesExport> {
  const res = await pool.query<{
    id: string;
    broker_password_hash: string | null;
    owntracks_user: string | null;
    owntracks_device: string | null;
  }>(
    `select id, broker_password_hash, owntracks_user, owntracks_device
       from devices where not disabled order by id`,
  );
  const devices: DeviceAccountRow[] = [];
  const skipped: Array<MosquittoFilesExport['skipped'][number]> = [];
  for (const d of res.rows) {
    if (!isFileProvisionable(d.id)) skipped.push({ deviceId: d.id, reason: 'id_not_allowed' });
    else if (!d.broker_password_hash) skipped.push({ deviceId: d.id, reason: 'no_broker_hash' });
    else {
      devices.push({
        username: d.id,
        passwordHash: d.broker_password_hash,
        owntracksTopic:
          d.owntracks_user && d.owntracks_device
            ? `owntracks/${d.owntracks_user}/${d.owntracks_device}`
            : undefined,
      });
    }
  }
  return {
    passwordFile: passwordFileText(services, devices),
    aclFile: aclFileText(
      services.map((s) => s.username),
      devices,
    ),
    devices: devices.length,
    skipped,
  };
}

/** Replaces `path` with `text` in one rename; readable by the broker's user, not by others. */
export function replaceFile(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o640 });
  renameSync(tmp, path);
}
