// Ending EM early and calling off leave (Art. 29, Art. 27): who did it and why, kept on the record
// the oversight reads (the procuratorate checks that EM stopped when its ground did). em_orders
// already has revoked_at; a cancelled permit keeps its approved period and gets the cancellation
// instant, at which the rules end it (src/directory/load-directory.ts).
import type { Migration } from './migration.js';

export const earlyEnd: Migration = {
  version: 8,
  name: 'early-end',
  up() {
    return [
      'alter table em_orders add column revoke_reason text',
      'alter table em_orders add column revoked_by_user_id text references users(id)',
      'alter table em_orders add constraint em_orders_revoked_in_period check (revoked_at is null or revoked_at >= starts_at)',
      'alter table leave_permits add column cancelled_at timestamptz',
      'alter table leave_permits add column cancel_reason text',
      'alter table leave_permits add column cancelled_by_user_id text references users(id)',
    ];
  },
};
