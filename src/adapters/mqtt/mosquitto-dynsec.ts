// Device identity in a real Mosquitto: each device gets a broker account (username = device id,
// password = its secret) and topic rights, provisioned through the dynamic-security plugin's control
// topic. Facts about Mosquitto 2.0.11 this file is shaped by (checked against the real broker):
// - dynsec ACL topics are matched literally: `%u` / `%c` are NOT substituted (only acl_file
//   patterns do that), so every device has its own role `em-device:<id>` holding its exact topics;
// - every modifying command rewrites the whole dynsec JSON file, and the single-threaded broker
//   relays nothing meanwhile: the first 1,000 devices took ~11 s, 2,000 ~46 s (quadratic), and a
//   batch of 100 at 1,500 accounts held up live traffic for 3.5 s. So a new device costs exactly
//   two commands (createRole with its ACLs, createClient with that role), and smaller batches
//   trade nothing in total time for shorter stalls;
// - changing a client's password, roles or textname, or deleting it or one of its roles, disconnects
//   its live sessions (DISCONNECT 0x98); changing a role's ACLs does not, and applies at once;
// - the plugin validates little (unknown acltypes and wildcard-laden topics are accepted) and
//   `addClientRole` for a role the client already has answers "Internal error". So inputs are
//   validated here, and existing accounts are read before they are changed.
import { createHash, randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceId, nativeTopic, nativeTopicFilter, parseOwnTracksTopic } from '../../../schemas/index.js';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

/** The role of the ingest service's own account. */
export const SERVICE_ROLE = 'em-ingest';
/** Each device's own role: dynsec in Mosquitto 2.0.11 cannot express "the topics of `%u`". */
export const deviceRoleName = (deviceId: string): string => `em-device:${deviceId}`;

export interface DeviceCredentials {
  readonly deviceId: string;
  readonly secret: string;
  /** An OwnTracks phone's `owntracks/{user}/{device}` topic: the device may publish on exactly it. */
  readonly owntracksTopic?: string;
}

export interface BrokerDeviceProvisioner {
  /** Default ACL access (deny publish and subscribe, allow receive) and the service account's role. */
  ensureServiceRole(): Promise<void>;
  /** The ingest service's account: reads device topics (also shared), writes retained device config. */
  ensureServiceClient(username: string, password: string): Promise<void>;
  /**
   * Creates the device's account, or brings an existing one up to date. A changed secret disconnects
   * the device's live sessions; re-provisioning an unchanged device leaves them alone.
   */
  provisionDevice(deviceId: string, secret: string, owntracksTopic?: string): Promise<void>;
  /** `provisionDevice` for many, a batch per control message; throws `DynsecError` listing every failure. */
  provisionDevices(devices: readonly DeviceCredentials[]): Promise<void>;
  /** Deletes the device's account and role; its live sessions are disconnected. Idempotent. */
  revokeDevice(deviceId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ProvisionerOptions {
  /** Accounts per control message (default 100); the broker stalls while it applies one. */
  readonly batchSize?: number;
  /** How long to wait for the broker's answer to one control message (default 60 s). */
  readonly requestTimeoutMs?: number;
}

export interface ProvisioningFailure {
  readonly account: string;
  readonly command: string;
  readonly error: string;
}

export class DynsecError extends Error {
  constructor(
    message: string,
    readonly failures: readonly ProvisioningFailure[],
  ) {
    super(message);
    this.name = 'DynsecError';
  }
}

type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern';

interface Acl {
  readonly acltype: AclType;
  readonly topic: string;
  readonly allow: boolean;
  readonly priority: number;
}

interface DynsecCommand {
  readonly command: string;
  readonly [field: string]: unknown;
}

interface DynsecResponse {
  readonly command: string;
  readonly error?: string;
  readonly correlationData?: string;
  readonly data?: {
    readonly client?: { readonly roles?: ReadonlyArray<{ rolename: string }>; readonly textname?: string };
    readonly role?: { readonly acls?: readonly Acl[] };
    readonly acls?: ReadonlyArray<{ acltype: string; allow: boolean }>;
  };
}

/** One role and, unless it stands alone, the one account holding it, as they should be. */
interface AccountSpec {
  readonly rolename: string;
  readonly acls: readonly Acl[];
  readonly client?: { readonly username: string; readonly password: string };
}

const allow = (acltype: AclType, topic: string): Acl => ({ acltype, topic, allow: true, priority: 0 });

function deviceAcls(deviceId: string, owntracksTopic: string | undefined): Acl[] {
  const acls = [
    allow('publishClientSend', nativeTopic(deviceId, 'telemetry')),
    allow('publishClientSend', nativeTopic(deviceId, 'events')),
    allow('subscribeLiteral', nativeTopic(deviceId, 'config')),
  ];
  if (owntracksTopic !== undefined) acls.push(allow('publishClientSend', owntracksTopic));
  return acls;
}

function serviceAcls(): Acl[] {
  const reads = [nativeTopicFilter('telemetry'), nativeTopicFilter('events'), 'owntracks/#'];
  return [
    // Mosquitto checks a shared subscription against its whole `$share/{group}/{filter}`.
    ...reads.flatMap((f) => [allow('subscribePattern', f), allow('subscribePattern', `$share/+/${f}`)]),
    allow('publishClientSend', nativeTopicFilter('config')),
  ];
}

const DEFAULT_ACL_ACCESS: Readonly<Record<string, boolean>> = {
  publishClientSend: false,
  publishClientReceive: true,
  subscribe: false,
  unsubscribe: true,
};

/**
 * Dynsec shows no password hash, so the textname keeps a salted fingerprint of the secret: then
 * re-provisioning an unchanged device changes nothing and does not disconnect it.
 */
function secretFingerprint(username: string, password: string): string {
  return `em sha256 ${createHash('sha256').update(`em-dynsec\0${username}\0${password}`).digest('base64url')}`;
}

function checkUsername(username: string, adminUsername: string): void {
  if (!DeviceId.safeParse(username).success)
    throw new TypeError(`invalid account name ${JSON.stringify(username)}`);
  if (username === adminUsername) throw new TypeError(`${username} is the dynsec admin account`);
}

function checkSecret(username: string, secret: string): void {
  // [MQTT-1.5.6] the password is binary data of at most 65,535 bytes.
  if (typeof secret !== 'string' || secret.length === 0 || Buffer.byteLength(secret) > 65_535) {
    throw new TypeError(`secret of ${username} must be 1-65535 bytes`);
  }
}

function checkOwntracksTopic(topic: string): void {
  if (!parseOwnTracksTopic(topic) || /[+#\0]/.test(topic)) {
    throw new TypeError(`OwnTracks topic must be owntracks/{user}/{device} without wildcards: ${topic}`);
  }
}

const aclKey = (acl: Acl): string => `${acl.acltype} ${acl.topic}`;
const sameAcl = (a: Acl | undefined, b: Acl): boolean => a?.allow === b.allow && a.priority === b.priority;

/** Commands turning a role's ACLs into the wanted ones; ACL edits do not disconnect its clients. */
function aclChanges(rolename: string, current: readonly Acl[], wanted: readonly Acl[]): DynsecCommand[] {
  const have = new Map(current.map((acl) => [aclKey(acl), acl]));
  const want = new Map(wanted.map((acl) => [aclKey(acl), acl]));
  return [
    ...[...have]
      .filter(([key, acl]) => !sameAcl(want.get(key), acl))
      .map(([, { acltype, topic }]) => ({ command: 'removeRoleACL', rolename, acltype, topic })),
    ...[...want]
      .filter(([key, acl]) => !sameAcl(have.get(key), acl))
      .map(([, acl]) => ({ command: 'addRoleACL', rolename, ...acl })),
  ];
}

interface PendingRequest {
  readonly responses: Array<DynsecResponse | undefined>;
  left: number;
  settle(error?: Error): void;
}

/** Request/response over the control topic, matched by each command's `correlationData`. */
class ControlChannel {
  private readonly prefix = randomUUID();
  private nextRequest = 0;
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly client: MqttClient,
    private readonly timeoutMs: number,
  ) {
    client.on('message', (topic, payload) => {
      if (topic === RESPONSE_TOPIC) this.receive(payload);
    });
  }

  private receive(payload: Buffer): void {
    let responses: unknown;
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses?: unknown }).responses;
    } catch {
      return; // every admin client of the broker sees every reply; only ours are tagged with our prefix
    }
    if (!Array.isArray(responses)) return;
    for (const response of responses as DynsecResponse[]) {
      const [prefix, request = '', index] = String(response?.correlationData ?? '').split(':');
      const entry = prefix === this.prefix ? this.pending.get(request) : undefined;
      const i = Number(index);
      if (!entry || !(i >= 0 && i < entry.responses.length) || entry.responses[i]) continue;
      entry.responses[i] = response;
      if (--entry.left === 0) entry.settle();
    }
  }

  /** Sends the commands in one message; resolves with one response per command, in order. */
  async send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    if (commands.length === 0) return [];
    const request = String(this.nextRequest++);
    const tagged = commands.map((c, i) => ({ ...c, correlationData: `${this.prefix}:${request}:${i}` }));
    const responses = new Array<DynsecResponse | undefined>(commands.length).fill(undefined);
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.settle(new Error(`dynsec: no answer to ${commands.length} command(s) in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const entry: PendingRequest = {
        responses,
        left: commands.length,
        settle: (error) => {
          clearTimeout(timer);
          this.pending.delete(request);
          if (error) reject(error);
          else resolve();
        },
      };
      this.pending.set(request, entry);
    });
    this.client
      .publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 })
      .catch((err: unknown) =>
        this.pending.get(request)?.settle(err instanceof Error ? err : new Error(String(err))),
      );
    await answered;
    return responses as DynsecResponse[];
  }

  close(): void {
    for (const entry of this.pending.values()) entry.settle(new Error('dynsec provisioner closed'));
  }
}

/** Answers that mean "already as wanted" for create and delete commands. */
const ALREADY = new Set([
  'Role already exists',
  'Client already exists',
  'Role not found',
  'Client not found',
]);

function failuresOf(
  account: string,
  responses: ReadonlyArray<DynsecResponse | undefined>,
): ProvisioningFailure[] {
  return responses.flatMap((r) =>
    r?.error !== undefined && !ALREADY.has(r.error) ? [{ account, command: r.command, error: r.error }] : [],
  );
}

/** Roles of an existing account other than the one we manage: then it is not ours to change. */
function foreignRoles(getClient: DynsecResponse | undefined, rolename: string): string[] {
  return (getClient?.data?.client?.roles ?? []).map((r) => r.rolename).filter((name) => name !== rolename);
}

function throwIfFailed(failures: readonly ProvisioningFailure[], accounts: number): void {
  if (failures.length === 0) return;
  const failed = new Set(failures.map((f) => f.account)).size;
  const shown = failures.slice(0, 5).map((f) => `${f.account} ${f.command}: ${f.error}`);
  throw new DynsecError(`dynsec: ${failed} of ${accounts} account(s) failed: ${shown.join('; ')}`, failures);
}

class MosquittoDynsecProvisioner implements BrokerDeviceProvisioner {
  constructor(
    private readonly client: MqttClient,
    private readonly channel: ControlChannel,
    private readonly adminUsername: string,
    private readonly batchSize: number,
  ) {}

  async ensureServiceRole(): Promise<void> {
    await this.ensureDefaultAclAccess();
    throwIfFailed(await this.sync([{ rolename: SERVICE_ROLE, acls: serviceAcls() }]), 1);
  }

  async ensureServiceClient(username: string, password: string): Promise<void> {
    checkUsername(username, this.adminUsername);
    checkSecret(username, password);
    await this.ensureDefaultAclAccess();
    const spec = { rolename: SERVICE_ROLE, acls: serviceAcls(), client: { username, password } };
    throwIfFailed(await this.sync([spec]), 1);
  }

  provisionDevice(deviceId: string, secret: string, owntracksTopic?: string): Promise<void> {
    return this.provisionDevices([
      { deviceId, secret, ...(owntracksTopic === undefined ? {} : { owntracksTopic }) },
    ]);
  }

  async provisionDevices(devices: readonly DeviceCredentials[]): Promise<void> {
    // The whole list is checked before anything is sent: a typo must not half-provision a fleet.
    const specs = devices.map(({ deviceId, secret, owntracksTopic }): AccountSpec => {
      checkUsername(deviceId, this.adminUsername);
      checkSecret(deviceId, secret);
      if (owntracksTopic !== undefined) checkOwntracksTopic(owntracksTopic);
      const client = { username: deviceId, password: secret };
      return { rolename: deviceRoleName(deviceId), acls: deviceAcls(deviceId, owntracksTopic), client };
    });
    const failures: ProvisioningFailure[] = [];
    for (let i = 0; i < specs.length; i += this.batchSize) {
      failures.push(...(await this.sync(specs.slice(i, i + this.batchSize))));
    }
    throwIfFailed(failures, specs.length);
  }

  async revokeDevice(deviceId: string): Promise<void> {
    checkUsername(deviceId, this.adminUsername);
    const rolename = deviceRoleName(deviceId);
    const [existing] = await this.channel.send([{ command: 'getClient', username: deviceId }]);
    const foreign = foreignRoles(existing, rolename);
    if (foreign.length > 0) {
      const failure = {
        account: deviceId,
        command: 'getClient',
        error: `not a device: roles ${foreign.join(', ')}`,
      };
      throwIfFailed([failure], 1);
    }
    const deleted = await this.channel.send([
      { command: 'deleteClient', username: deviceId },
      { command: 'deleteRole', rolename },
    ]);
    throwIfFailed(failuresOf(deviceId, deleted), 1);
  }

  async close(): Promise<void> {
    this.channel.close();
    await this.client.endAsync();
  }

  /** Written only when it differs: every dynsec change rewrites the whole config file. */
  private async ensureDefaultAclAccess(): Promise<void> {
    const [current] = await this.channel.send([{ command: 'getDefaultACLAccess' }]);
    const acls = Object.entries(DEFAULT_ACL_ACCESS)
      .filter(([type, allowed]) => current?.data?.acls?.find((a) => a.acltype === type)?.allow !== allowed)
      .map(([acltype, allowed]) => ({ acltype, allow: allowed }));
    if (acls.length === 0) return;
    const [set] = await this.channel.send([{ command: 'setDefaultACLAccess', acls }]);
    throwIfFailed(failuresOf('(default ACL access)', [set]), 1);
  }

  /**
   * Brings a batch of accounts to their wanted state in at most three messages: create all (which is
   * everything a new account needs); read what already existed; change only what differs.
   */
  private async sync(specs: readonly AccountSpec[]): Promise<ProvisioningFailure[]> {
    const account = (spec: AccountSpec) => spec.client?.username ?? spec.rolename;
    const created = await this.channel.send(
      specs.flatMap(({ rolename, acls, client }): DynsecCommand[] => [
        { command: 'createRole', rolename, acls },
        ...(client
          ? [
              {
                command: 'createClient',
                ...client,
                textname: secretFingerprint(client.username, client.password),
                roles: [{ rolename }],
              },
            ]
          : []),
      ]),
    );
    const failures: ProvisioningFailure[] = [];
    const existing: Array<{ spec: AccountSpec; clientExisted: boolean }> = [];
    let at = 0;
    for (const spec of specs) {
      const [role, client] = created.slice(at, at + (spec.client ? 2 : 1));
      at += spec.client ? 2 : 1;
      const bad = failuresOf(account(spec), [role, client]);
      failures.push(...bad);
      if (bad.length === 0 && (role?.error || client?.error)) {
        existing.push({ spec, clientExisted: client?.error === 'Client already exists' });
      }
    }
    if (existing.length === 0) return failures;

    const read = await this.channel.send(
      existing.flatMap(({ spec, clientExisted }): DynsecCommand[] => [
        { command: 'getRole', rolename: spec.rolename },
        ...(clientExisted && spec.client ? [{ command: 'getClient', username: spec.client.username }] : []),
      ]),
    );
    const changes: Array<{ account: string; command: DynsecCommand }> = [];
    at = 0;
    for (const { spec, clientExisted } of existing) {
      const [role, client] = read.slice(at, at + (clientExisted ? 2 : 1));
      at += clientExisted ? 2 : 1;
      const bad = failuresOf(account(spec), [role, client]);
      const foreign = foreignRoles(client, spec.rolename);
      if (foreign.length > 0) {
        bad.push({
          account: account(spec),
          command: 'getClient',
          error: `has other roles: ${foreign.join(', ')}`,
        });
      }
      failures.push(...bad);
      if (bad.length > 0) continue;
      const commands = aclChanges(spec.rolename, role?.data?.role?.acls ?? [], spec.acls);
      if (spec.client && client) {
        const { username, password } = spec.client;
        const textname = secretFingerprint(username, password);
        if (client.data?.client?.textname !== textname) {
          commands.push({ command: 'modifyClient', username, password, textname });
        }
        if (!client.data?.client?.roles?.some((r) => r.rolename === spec.rolename)) {
          commands.push({ command: 'addClientRole', username, rolename: spec.rolename });
        }
      }
      changes.push(...commands.map((command) => ({ account: account(spec), command })));
    }
    const changed = await this.channel.send(changes.map((c) => c.command));
    changed.forEach((r, i) => {
      if (r.error) failures.push({ account: changes[i]?.account ?? '?', command: r.command, error: r.error });
    });
    return failures;
  }
}

export async function createMosquittoDynsecProvisioner(
  url: string,
  adminUsername: string,
  adminPassword: string,
  options: ProvisionerOptions = {},
): Promise<BrokerDeviceProvisioner> {
  const client = mqtt.connect(url, {
    username: adminUsername,
    password: adminPassword,
    clientId: `em-dynsec-${randomUUID()}`,
    protocolVersion: 5,
    connectTimeout: 10_000,
    reconnectPeriod: 1_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dynsec: no connection to ${url} in 15 s`)), 15_000);
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('connect', () => clearTimeout(timer)).once('error', () => clearTimeout(timer));
    });
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
  } catch (err) {
    client.end(true);
    throw err;
  }
  const channel = new ControlChannel(client, options.requestTimeoutMs ?? 60_000);
  return new MosquittoDynsecProvisioner(client, channel, adminUsername, options.batchSize ?? 100);
}
