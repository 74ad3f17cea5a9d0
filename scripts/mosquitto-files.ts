// `npm run mosquitto:files -- --password-file <path> --acl-file <path> [--pid <n> | --pid-file <path>]`
// File-based device provisioning for a real Mosquitto (docs/decisions/0007, deploy/mosquitto/README.md):
// writes the password_file (every enabled device, `$7$` hashes kept by the service since registration,
// plus the service account MQTT_USERNAME / MQTT_PASSWORD) and the acl_file (`pattern` lines with `%u`:
// each device publishes only under its own id), then sends SIGHUP to the broker so it re-reads both.
// Reads DATABASE_URL (or the embedded database under DATA_DIR while the service is stopped).
// Exits 0 when every enabled device was written, 1 when some were skipped (named), 2 on error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportMosquittoFiles, replaceFile } from '../src/adapters/mqtt/mosquitto-files-export.js';
import { mosquittoPasswordHash } from '../src/auth/broker-password.js';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/storage/database.js';
import { openEmbeddedPostgres } from '../src/storage/embedded-postgres.js';

const { values: a } = parseArgs({
  options: {
    'password-file': { type: 'string' },
    'acl-file': { type: 'string' },
    pid: { type: 'string' },
    'pid-file': { type: 'string' },
  },
});
if (!a['password-file'] || !a['acl-file']) {
  console.error(
    'usage: npm run mosquitto:files -- --password-file <path> --acl-file <path> [--pid <n> | --pid-file <path>]',
  );
  process.exit(2);
}
const config = loadConfig();
if (!config.MQTT_USERNAME || !config.MQTT_PASSWORD) {
  console.error('MQTT_USERNAME and MQTT_PASSWORD (the service account) must be set');
  process.exit(2);
}
const db = config.DATABASE_URL
  ? await openPostgres(config.DATABASE_URL, 2)
  : await openEmbeddedPostgres(config.DATA_DIR, 2);
let code = 2;
try {
  const out = await exportMosquittoFiles(db.pool, [
    { username: config.MQTT_USERNAME, passwordHash: mosquittoPasswordHash(config.MQTT_PASSWORD) },
  ]);
  replaceFile(a['password-file'], out.passwordFile);
  replaceFile(a['acl-file'], out.aclFile);
  console.log(
    `wrote ${out.devices} devices and 1 service account to ${a['password-file']} and ${a['acl-file']}`,
  );
  for (const s of out.skipped.slice(0, 20)) console.error(`skipped ${s.deviceId}: ${s.reason}`);
  if (out.skipped.length > 20) console.error(`... and ${out.skipped.length - 20} more skipped`);
  const pid = a.pid ?? (a['pid-file'] ? readFileSync(a['pid-file'], 'utf8').trim() : undefined);
  if (pid !== undefined) {
    process.kill(Number(pid), 'SIGHUP');
    console.log(`sent SIGHUP to the broker (pid ${pid}): it re-reads both files`);
  }
  code = out.skipped.length > 0 ? 1 : 0;
} catch (err) {
  console.error('export failed:', err instanceof Error ? err.message : err);
} finally {
  await db.close();
}
process.exit(code);
