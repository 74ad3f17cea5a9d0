// Device registration and secret rotation. The secret is shown once, stored only as a hash, and
// pushed to the broker's own credential store when the broker is external (issue 3 item 2). The
// Mosquitto password-file hash is kept too, for file-based provisioning (docs/decisions/0007).
import { randomUUID } from 'node:crypto';
import { mosquittoPasswordHash } from '../auth/broker-password.js';
import { generateDeviceSecret, hashDeviceSecret } from '../auth/device-secrets.js';
import { type AdminContext, ValidationError } from './admin-context.js';

export interface NewDevice {
  id?: string;
  superviseeId: string | null;
  /** The unit a device without a supervisee belongs to (a protected person's phone). */
  orgUnitId?: string | null;
  kind: 'ankle' | 'phone';
  owntracks?: { user: string; device: string } | undefined;
}

export interface IssuedDevice {
  id: string;
  secret: string;
}

const owntracksTopic = (o: NewDevice['owntracks']) => (o ? `owntracks/${o.user}/${o.device}` : undefined);

/**
 * An OwnTracks user or device name is one MQTT topic level of owntracks/{user}/{device}: a `/` would
 * shift the levels, and `+` or `#` in a broker ACL would let the phone publish as other phones.
 */
export const OWNTRACKS_NAME = /^[^/+#\s\p{Cc}]{1,64}$/u;

function checkOwntracks(o: NewDevice['owntracks']): void {
  if (o && !(OWNTRACKS_NAME.test(o.user) && OWNTRACKS_NAME.test(o.device))) {
    throw new ValidationError([
      'owntracks: user and device are 1-64 characters each, without "/", "+", "#", spaces or control characters',
    ]);
  }
}

export async function registerDevice(ctx: AdminContext, input: NewDevice): Promise<IssuedDevice> {
  checkOwntracks(input.owntracks);
  const id = input.id ?? `dev-${randomUUID().slice(0, 12)}`;
  const secret = generateDeviceSecret();
  await ctx.pool.query(
    `insert into devices (id, supervisee_id, kind, secret_hash, owntracks_user, owntracks_device,
                          broker_password_hash, org_unit_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      input.superviseeId,
      input.kind,
      hashDeviceSecret(secret),
      input.owntracks?.user ?? null,
      input.owntracks?.device ?? null,
      mosquittoPasswordHash(secret),
      input.superviseeId ? null : (input.orgUnitId ?? null),
    ],
  );
  await ctx.brokerCredentials?.provisionDevice(id, secret, owntracksTopic(input.owntracks));
  await ctx.directoryChanged();
  return { id, secret };
}

export async function rotateDeviceSecret(ctx: AdminContext, deviceId: string): Promise<IssuedDevice> {
  const secret = generateDeviceSecret();
  const res = await ctx.pool.query<{ owntracks_user: string | null; owntracks_device: string | null }>(
    `update devices set secret_hash = $2, broker_password_hash = $3, secret_rotated_at = now() where id = $1
     returning owntracks_user, owntracks_device`,
    [deviceId, hashDeviceSecret(secret), mosquittoPasswordHash(secret)],
  );
  const row = res.rows[0];
  if (!row) throw new Error(`no device ${deviceId}`);
  const ot =
    row.owntracks_user && row.owntracks_device
      ? { user: row.owntracks_user, device: row.owntracks_device }
      : undefined;
  await ctx.brokerCredentials?.provisionDevice(deviceId, secret, owntracksTopic(ot));
  await ctx.directoryChanged();
  return { id: deviceId, secret };
}

export async function disableDevice(ctx: AdminContext, deviceId: string): Promise<void> {
  await ctx.pool.query('update devices set disabled = true where id = $1', [deviceId]);
  await ctx.brokerCredentials?.revokeDevice(deviceId);
  await ctx.directoryChanged();
}
