// Device identity in a real Mosquitto without the dynamic-security plugin: a `password_file` and an
// `acl_file`, written from the database and re-read by the broker on SIGHUP (docs/decisions/0007).
// Facts this file is shaped by (checked against Mosquitto 2.0.11 and its mosquitto_passwd):
// - a password line is `username:$7$...` (src/auth/broker-password.ts makes the hash);
// - in an acl_file, `pattern` lines apply to every client and substitute `%u` (the authenticated
//   username) and `%c` (the client id); we use only `%u`: the client id is chosen freely by the
//   client, the username is proven by its password. So one pattern gives every device exactly its own
//   topics, with no line per device (dynsec needs a role per device: mosquitto-dynsec.ts);
// - `user <name>` starts a block whose `topic` lines apply to that user only; an OwnTracks phone's
//   topic `owntracks/{user}/{device}` is not derived from its device id, so each such phone has a block;
// - Mosquitto refuses a `%u` substitution whose username contains `+`, `#` or `/` (DeviceId forbids
//   them), and a password line ends its username at the first `:` (so such device ids are skipped).
import { DeviceId, nativeTopic, nativeTopicFilter, parseOwnTracksTopic } from '../../../schemas/index.js';

export { mosquittoPasswordHash, mosquittoPasswordMatches } from '../../auth/broker-password.js';

export interface BrokerAccount {
  readonly username: string;
  /** Its `$7$` hash; never the password itself. */
  readonly passwordHash: string;
}

export interface DeviceAccountRow extends BrokerAccount {
  /** An OwnTracks phone's `owntracks/{user}/{device}` topic, when it has one. */
  readonly owntracksTopic?: string | undefined;
}

function checkAccount(username: string, passwordHash: string): void {
  // A ':' or a line break in a name would forge another line of the password file.
  if (!/^[\w.@-]{1,128}$/.test(username)) throw new TypeError(`invalid broker account ${username}`);
  if (!/^\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(passwordHash)) {
    throw new TypeError(`password hash of ${username} is not a Mosquitto $7$ hash`);
  }
}

/** The password file: the service accounts first, then every device. */
export function passwordFileText(
  services: readonly BrokerAccount[],
  devices: readonly DeviceAccountRow[],
): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const a of [...services, ...devices]) {
    checkAccount(a.username, a.passwordHash);
    if (seen.has(a.username)) throw new TypeError(`broker account ${a.username} listed twice`);
    seen.add(a.username);
    lines.push(`${a.username}:${a.passwordHash}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The ACL file. Devices publish only under their own id (`%u`), read only their own config; the
 * service accounts read every device topic (also through a shared subscription, which Mosquitto
 * checks against its full `$share/{group}/{filter}`) and write device config.
 */
export function aclFileText(
  serviceUsernames: readonly string[],
  devices: readonly DeviceAccountRow[],
): string {
  const reads = [nativeTopicFilter('telemetry'), nativeTopicFilter('events'), 'owntracks/#'];
  const lines = [
    '# Written by `npm run mosquitto:files` from the database; edits are overwritten.',
    '# Every device, with no line of its own: only its own topics (%u = the authenticated username =',
    '# the device id). %c (client id) is not used: a client chooses its id, a username is proven.',
    `pattern write ${nativeTopic('%u', 'telemetry')}`,
    `pattern write ${nativeTopic('%u', 'events')}`,
    `pattern read ${nativeTopic('%u', 'config')}`,
    '',
  ];
  for (const username of serviceUsernames) {
    checkAccount(username, '$7$1$A$A');
    lines.push(`user ${username}`);
    for (const f of reads) lines.push(`topic read ${f}`, `topic read $share/+/${f}`);
    lines.push(`topic write ${nativeTopicFilter('config')}`, '');
  }
  const phones = devices.filter((d) => d.owntracksTopic !== undefined);
  if (phones.length) lines.push('# OwnTracks phones: each its one topic owntracks/{user}/{device}.');
  for (const d of phones) {
    const topic = d.owntracksTopic!;
    if (!parseOwnTracksTopic(topic) || /[+#\0\s]/.test(topic)) {
      throw new TypeError(`OwnTracks topic of ${d.username} must be owntracks/{user}/{device}: ${topic}`);
    }
    lines.push(`user ${d.username}`, `topic write ${topic}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A device id the files can hold: a valid DeviceId without `:`, which Mosquitto reads as the end of
 * the username in a password line.
 */
export function isFileProvisionable(deviceId: string): boolean {
  return DeviceId.safeParse(deviceId).success && !deviceId.includes(':');
}
