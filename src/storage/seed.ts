// First start on an empty database: a demo city → county → two judicial offices (two, so that the
// "never beside" rule of the hierarchy can be seen) and an administrator at the city.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generatePassword, hashPassword } from '../auth/passwords.js';

export interface SeedResult {
  seeded: boolean;
  adminUsername?: string;
  adminPassword?: string;
}

export const DEMO_UNITS = [
  {
    id: 'ziyang',
    parent: null,
    level: 'city',
    name: '资阳市司法局',
    nameEn: 'Ziyang City Justice Bureau',
    path: '/ziyang/',
  },
  {
    id: 'yanjiang',
    parent: 'ziyang',
    level: 'county',
    name: '雁江区司法局',
    nameEn: 'Yanjiang District Justice Bureau',
    path: '/ziyang/yanjiang/',
  },
  {
    id: 'lianhua',
    parent: 'yanjiang',
    level: 'office',
    name: '莲花街道司法所',
    nameEn: 'Lianhua Street Judicial Office',
    path: '/ziyang/yanjiang/lianhua/',
  },
  {
    id: 'baotai',
    parent: 'yanjiang',
    level: 'office',
    name: '宝台镇司法所',
    nameEn: 'Baotai Town Judicial Office',
    path: '/ziyang/yanjiang/baotai/',
  },
] as const;

export async function seedIfEmpty(pool: pg.Pool, adminPassword?: string): Promise<SeedResult> {
  const existing = await pool.query<{ n: number }>('select count(*)::int as n from org_units');
  if ((existing.rows[0]?.n ?? 0) > 0) return { seeded: false };
  const password = adminPassword ?? generatePassword();
  const hash = await hashPassword(password);
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const u of DEMO_UNITS) {
      await client.query(
        'insert into org_units (id, parent_id, level, name, name_en, path) values ($1, $2, $3, $4, $5, $6)',
        [u.id, u.parent, u.level, u.name, u.nameEn, u.path],
      );
    }
    await client.query(
      `insert into users (id, org_unit_id, username, display_name, role, password_hash)
       values ($1, 'ziyang', 'admin', '系统管理员', 'administrator', $2)`,
      [randomUUID(), hash],
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  return { seeded: true, adminUsername: 'admin', adminPassword: password };
}
