/**
 * Throughput of the PostgreSQL and MySQL/MariaDB connectors against the local servers:
 * upsert (create, then update) in batches, an incremental read to the end, and a keyset scan.
 *
 *   node bench/sql-connectors.bench.ts [rows=20000] [batch=500]
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MysqlConnector } from '../connectors/mysql/connector.ts';
import { PostgresConnector } from '../connectors/postgresql/connector.ts';
import type { Connector, UpsertItem } from '../runtime/support/connector.ts';

const rows = Number(process.argv[2] ?? 20_000);
const batch = Number(process.argv[3] ?? 500);

async function measure(label: string, c: Connector): Promise<void> {
  const items = (v: number): UpsertItem[] => Array.from({ length: rows }, (_, i) => {
    const code = `C${String(i).padStart(7, '0')}`;
    return { key: code, idempotencyKey: `${code}@${v}`, record: { code, name: `客户 ${code} v${v}`, city: '上海', credit_limit: `${i}.${v}0` } };
  });
  for (const v of [1, 2]) {
    const all = items(v);
    const t0 = performance.now();
    for (let i = 0; i < all.length; i += batch) {
      const r = await c.upsertBatch('customers', 'code', all.slice(i, i + batch));
      if (r.some((x) => x.status !== 'ok')) throw new Error(`${label}: ${JSON.stringify(r.find((x) => x.status !== 'ok'))}`);
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`${label} upsert (${v === 1 ? 'create' : 'update'}) ${rows} rows, batch ${batch}: ${(rows / s).toFixed(0)} rows/s`);
  }
  let t0 = performance.now();
  let n = 0;
  let next: string | undefined;
  do {
    const page = await c.readChanges('customers', undefined, next === undefined ? { limit: 1000 } : { limit: 1000, next });
    n += page.records.length;
    next = page.next;
  } while (next !== undefined);
  console.log(`${label} readChanges ${n} rows, pages of 1000: ${(n / ((performance.now() - t0) / 1000)).toFixed(0)} rows/s`);
  t0 = performance.now();
  n = 0;
  for await (const p of c.scan('customers', { pageSize: 1000 })) n += p.length;
  console.log(`${label} scan ${n} rows, pages of 1000: ${(n / ((performance.now() - t0) / 1000)).toFixed(0)} rows/s`);
}

const DDL = (t: string, ts: string, now: string) => `CREATE TABLE ${t} (code varchar(40) PRIMARY KEY, name varchar(100) NOT NULL, city varchar(60), credit_limit decimal(14,2), updated_at ${ts} NOT NULL DEFAULT ${now})`;

const schema = `cx_pg_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(DDL(`${schema}.customers`, 'timestamptz', 'now()'));
await admin.query(`CREATE INDEX ON ${schema}.customers (updated_at, code COLLATE "C")`);
const pgc = new PostgresConnector({ url: 'postgres://postgres@127.0.0.1:5432/test', schema });
try {
  await measure('postgresql', pgc);
} finally {
  await pgc.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}

const database = `cx_my_bench_${randomBytes(4).toString('hex')}`;
const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
await my.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
await my.query(DDL(`${database}.customers`, 'datetime(6)', 'CURRENT_TIMESTAMP(6)'));
await my.query(`CREATE INDEX cursor_order ON ${database}.customers (updated_at, code)`);
const myc = new MysqlConnector({ url: `mysql://root@127.0.0.1:3306/${database}` });
try {
  await measure('mariadb', myc);
} finally {
  await myc.close();
  await my.query(`DROP DATABASE ${database}`);
  await my.end();
}
