// The simulators' Provisioner over the service's own admin use cases (src/admin), for runs that
// start the service in-process: the scenario tests, the quality benchmark and the demo.

import type { Provisioner } from '../../../simulators/provision.js';
import { registerDevice } from '../../../src/admin/devices.js';
import { createEmOrder } from '../../../src/admin/em-orders.js';
import { approveLeavePermit, requestLeavePermit } from '../../../src/admin/leave-permits.js';
import { createSupervisee } from '../../../src/admin/supervisees.js';
import { createZone } from '../../../src/admin/zones.js';
import type { RunningService } from '../../../src/service.js';

export function inProcessProvisioner(svc: RunningService): Provisioner {
  const ctx = svc.admin;
  let approver: Promise<string> | undefined;
  const approverId = () =>
    (approver ??= svc.db.pool
      .query<{ id: string }>("select id from users where role = 'administrator' order by created_at limit 1")
      .then((r) => {
        const id = r.rows[0]?.id;
        if (!id) throw new Error('no administrator to approve leave (was the database seeded?)');
        return id;
      }));
  return {
    async ensureZone(zone) {
      const existing = await svc.db.pool.query('select 1 from zones where id = $1', [zone.id]);
      if (existing.rowCount) return false;
      await createZone(ctx, { ...zone, geometry: zone.geometry as never });
      return true;
    },
    createZone: (zone) =>
      createZone(ctx, {
        ...zone,
        geometry: zone.geometry as never,
        schedule: zone.schedule ? { weekly: zone.schedule.weekly, exceptions: [] } : null,
      }),
    async assignZone(zoneId, personIds) {
      for (const id of personIds) {
        await svc.db.pool.query(
          'insert into zone_assignments (zone_id, supervisee_id) values ($1, $2) on conflict do nothing',
          [zoneId, id],
        );
      }
      await ctx.directoryChanged();
    },
    createPerson: (p) => createSupervisee(ctx, p),
    async createEmOrder(personId, startsAt, endsAt) {
      await createEmOrder(ctx, {
        superviseeId: personId,
        ground: 'left_without_approval',
        approver: '雁江区司法局局长 (simulated)',
        startsAt,
        endsAt,
      });
    },
    registerDevice: (d) =>
      registerDevice(ctx, {
        superviseeId: d.personId,
        orgUnitId: d.orgUnitId,
        kind: d.kind,
        owntracks: d.owntracks,
      }),
    async createLeave(l) {
      const permitId = await requestLeavePermit(ctx, {
        superviseeId: l.personId,
        destinationZoneId: l.destinationZoneId,
        startsAt: l.startsAt,
        endsAt: l.endsAt,
        graceMinutes: l.graceMinutes,
        reason: 'simulated family visit',
      });
      await approveLeavePermit(ctx, {
        permitId,
        approvedByUserId: await approverId(),
        approverLevel: 'office',
      });
    },
    async linkPersons(a, b, reason) {
      await svc.db.pool.query('insert into supervisee_links (a, b, reason) values ($1, $2, $3)', [
        a,
        b,
        reason,
      ]);
      await ctx.directoryChanged();
    },
  };
}
