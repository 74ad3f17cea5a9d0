// Stage 6, persist: one transaction per batch holds the fixes, device events, dead letters and the
// incident changes they caused (ARCHITECTURE.md: persist before you announce). Idempotent, so a
// batch retried after a failed commit, or redelivered after a crash, stores nothing twice.
import type pg from 'pg';
import type { Directory } from '../../directory/directory.js';
import { applyAlertChange } from '../../incidents/apply-alert-changes.js';
import { lockIncidentEvents } from '../../incidents/incident-actions.js';
import { type StoredEvent, type StoredFix, writeDeviceEvents, writeFixes } from '../../storage/fix-writer.js';
import { pgText } from '../../storage/pg-text.js';
import type { Batch, DeadLetter, FixItem, Stage } from '../types.js';
import { refuseItem } from './refuse.js';

const RAW_LIMIT = 4096;

/** Items refused by a stage become dead letters (duplicates are only counted: they lost nothing). */
export function deadLettersOf(batch: Batch): DeadLetter[] {
  const letters = [...batch.deadLetters];
  const refused = [
    ...batch.fixes.map((i) => ({ item: i, data: i.fix })),
    ...batch.events.map((i) => ({ item: i, data: i.event })),
  ];
  for (const { item, data } of refused) {
    if (!item.refusal || item.refusal.reason === 'duplicate') continue;
    const s = batch.submissions[item.submission]!;
    letters.push({
      protocol: s.protocol,
      deviceId: data.deviceId,
      topic: s.topic ?? null,
      reason: item.refusal.reason,
      detail: item.refusal.detail,
      raw: JSON.stringify(data).slice(0, RAW_LIMIT),
    });
  }
  return letters;
}

async function writeDeadLetters(client: pg.PoolClient, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await client.query(
    `insert into dead_letters (protocol, device_id, topic, reason, detail, raw)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [
      letters.map((l) => l.protocol),
      letters.map((l) => pgText(l.deviceId)),
      letters.map((l) => pgText(l.topic)),
      letters.map((l) => l.reason),
      letters.map((l) => pgText(l.detail.slice(0, 500))),
      letters.map((l) => pgText(l.raw.slice(0, RAW_LIMIT))),
    ],
  );
}

export function persistStage(pool: pg.Pool, directory: Directory): Stage {
  return {
    name: 'persist',
    async run(batch) {
      const fixes: StoredFix[] = [];
      const fixItems: FixItem[] = [];
      for (const item of batch.fixes) {
        if (item.refusal || item.superviseeId === null) continue;
        fixes.push({ ...item.fix, superviseeId: item.superviseeId, late: item.late });
        fixItems.push(item);
      }
      const events: StoredEvent[] = [];
      for (const item of batch.events) {
        if (item.refusal) continue;
        events.push({ ...item.event, superviseeId: item.superviseeId });
      }
      const letters = deadLettersOf(batch);
      batch.committed.length = 0;
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('begin');
        // A fix the database already holds (resent after a restart lost the state that would have
        // refused it) is a duplicate: counted as one, not as a fix accepted (non-negotiable:
        // duplicates are rejected and counted). Set on this attempt's batch only: a retry builds anew.
        await writeFixes(client, fixes, (i) =>
          refuseItem(batch, fixItems[i]!, 'duplicate', 'already stored (device, ts)'),
        );
        await writeDeviceEvents(client, events);
        await writeDeadLetters(client, letters);
        // Cursors become visible in cursor order, across instances too (issue 8): a console never
        // sees cursor n+1 and later finds n. Taken only by batches that record incident changes.
        if (batch.alertChanges.length > 0) await lockIncidentEvents(client);
        for (const { superviseeId, change } of batch.alertChanges) {
          const person = directory.person(superviseeId);
          if (!person) continue;
          const row = await applyAlertChange(client, superviseeId, person, change, batch.now);
          if (row) batch.committed.push(row);
        }
        // Last check before the commit: no other instance has written these people's state since
        // this batch loaded it (a lapsed lease); otherwise roll back and evaluate again.
        await batch.lease?.verify();
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {
          broken = true;
        });
        batch.committed.length = 0;
        throw err;
      } finally {
        // A connection that failed mid-transaction is discarded, not returned to the pool.
        client.release(broken);
      }
    },
  };
}
