// The device's broker password in Mosquitto's own `$7$` form (PBKDF2-SHA512), computed when the secret
// is issued: the secret itself is never stored, and `secret_hash` (SHA-256) cannot be turned into the
// hash a Mosquitto password_file needs (docs/decisions/0007). Null for devices registered before this
// migration: their secret must be rotated before they can be written to a password file.
// `org_unit_id`: the unit a device without a supervisee belongs to (a protected person's phone,
// registered by that unit), so that it is scoped like a person (src/api/scope.ts).
import type { Migration } from './migration.js';

export const brokerPasswordHash: Migration = {
  version: 4,
  name: 'device-broker-hash-and-unit',
  up: () => [
    'alter table devices add column broker_password_hash text',
    'alter table devices add column org_unit_id text references org_units(id)',
  ],
};
