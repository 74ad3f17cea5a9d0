// The cursor-ordered feed of several instances (issue 8, docs/decisions/0006-scale-out.md): rows
// announced out of order, late, twice or never still reach this instance's consoles once each, in
// cursor order, read from the database where the announcement is missing.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { IncidentEventRow } from '../../src/incidents/apply-alert-changes.js';
import { IncidentFeed } from '../../src/live/incident-feed.js';
import { migrate } from '../../src/storage/migrate.js';
import { databaseTargets } from '../support/databases.js';

const targets = await databaseTargets();

describe.each(targets.map((t) => [t.name, t] as const))('ordered incident feed on %s', (_name, target) => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it('emits every committed row once, in cursor order, whatever the announcements do', async () => {
    const { db, drop } = await target.create();
    drops.push(drop);
    await migrate(db.pool, 'auto', pino({ level: 'silent' }));
    /** Inserts an event row as another instance would (no incident behind it: FK checks off). */
    const insert = async (commit = true): Promise<IncidentEventRow> => {
      const client = await db.pool.connect();
      try {
        await client.query('begin');
        await client.query('set local session_replication_role = replica');
        const res = await client.query<{ cursor: string; at: Date }>(
          `insert into incident_events (incident_id, org_path, actor, action, data)
           values (1, '/ziyang/', 'rules', 'opened', '{}') returning cursor, at`,
        );
        await client.query(commit ? 'commit' : 'rollback');
        const row = res.rows[0]!;
        return {
          cursor: Number(row.cursor),
          incidentId: 1,
          orgPath: '/ziyang/',
          at: row.at.toISOString(),
          actor: 'rules',
          action: 'opened',
          data: {},
        };
      } finally {
        client.release();
      }
    };
    const before = await insert(); // committed before the feed starts: never emitted
    const feed = new IncidentFeed();
    await feed.ordered(db.pool);
    const seen: number[] = [];
    feed.subscribe((row) => seen.push(row.cursor));
    const settled = () => feed.catchUp();

    const [a, b, c] = [await insert(), await insert(), await insert()];
    feed.publish([c]); // a and b were announced by nobody yet: read from the database first
    await settled();
    expect(seen).toEqual([a.cursor, b.cursor, c.cursor]);

    feed.publish([b, before]); // late and repeated announcements
    const d = await insert(); // committed, never announced (its instance died): the poll finds it
    await settled();
    expect(seen).toEqual([a.cursor, b.cursor, c.cursor, d.cursor]);

    await insert(false); // a rolled-back transaction leaves a hole in the cursors
    const [e, f] = [await insert(), await insert()];
    feed.publish([f, e]);
    await settled();
    expect(seen).toEqual([a, b, c, d, e, f].map((r) => r.cursor));
    expect(seen.includes(before.cursor)).toBe(false);
    // Migrating a fresh embedded database takes tens of seconds on a loaded machine.
  }, 120_000);
});
