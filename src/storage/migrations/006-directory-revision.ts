// A revision number for everything the directory is loaded from (src/directory/load-directory.ts),
// bumped by a statement trigger on every write to those tables. Instances reload the directory every
// minute as a safety net for a lost change announcement; at 100,000 people a reload takes seconds of
// CPU, so an instance first compares the revision and skips the reload when nothing was written.
import type { Migration } from './migration.js';

/** The tables the directory is built from. */
export const DIRECTORY_TABLES = [
  'org_units',
  'supervisees',
  'devices',
  'em_orders',
  'zones',
  'zone_assignments',
  'leave_permits',
  'supervisee_links',
] as const;

export const directoryRevision: Migration = {
  version: 6,
  name: 'directory-revision',
  up() {
    return [
      `create table directory_revision (
         id boolean primary key default true check (id),
         rev bigint not null)`,
      'insert into directory_revision (id, rev) values (true, 0)',
      `create function bump_directory_revision() returns trigger language plpgsql as $$
       begin
         update directory_revision set rev = rev + 1;
         return null;
       end $$`,
      ...DIRECTORY_TABLES.map(
        (t) => `create trigger ${t}_directory_revision after insert or update or delete or truncate on ${t}
                for each statement execute function bump_directory_revision()`,
      ),
    ];
  },
};
