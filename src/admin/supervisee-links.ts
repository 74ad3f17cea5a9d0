// Links between supervisees such as co-defendants (同案犯): the rules engine raises a gathering alert
// (同案犯聚集) when linked people meet (DOMAIN.md). A link is unordered; it is stored once with a < b
// (the table's check), so (a, b) and (b, a) are the same link.
import { ConflictError } from '../auth/access-errors.js';
import { type AdminContext, ValidationError } from './admin-context.js';

export interface NewLink {
  a: string;
  b: string;
  reason: string;
}

export async function linkSupervisees(ctx: AdminContext, input: NewLink): Promise<{ a: string; b: string }> {
  if (input.a === input.b) throw new ValidationError(['a supervisee cannot be linked to themself']);
  const [a, b] = [input.a, input.b].sort() as [string, string];
  const res = await ctx.pool.query(
    'insert into supervisee_links (a, b, reason) values ($1, $2, $3) on conflict do nothing',
    [a, b, input.reason],
  );
  if (res.rowCount === 0) throw new ConflictError(`${a} and ${b} are already linked`);
  await ctx.directoryChanged();
  return { a, b };
}

export async function linksOf(
  ctx: Pick<AdminContext, 'pool'>,
  personId: string,
): Promise<Array<{ superviseeId: string; reason: string }>> {
  const res = await ctx.pool.query<{ other: string; reason: string }>(
    `select case when a = $1 then b else a end as other, reason from supervisee_links
     where a = $1 or b = $1 order by other`,
    [personId],
  );
  return res.rows.map((r) => ({ superviseeId: r.other, reason: r.reason }));
}
