import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlConnector, readMysqlCatalog, type MysqlConfig } from '../../connectors/mysql/connector.ts';
import { classifyMysqlError, enumValues } from '../../connectors/mysql/dialect.ts';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createConnector } from '../../connectors/shared/connection.ts';
import { connectorContract } from './contract.ts';
import { convergesUnderRealFaults, sqlHarness, type DbFixture } from './sql-harness.ts';

const validateCatalog = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(new URL('../../schemas/catalog.schema.json', import.meta.url), 'utf8')) as object);

async function admin(): Promise<mysql.Connection> {
  try {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    c.on('error', () => undefined);
    await c.query(`SET time_zone = '+00:00'`);
    return c;
  } catch (e) {
    throw new Error(`MariaDB/MySQL on 127.0.0.1:3306 (user root) is not reachable — start it to run these tests: ${(e as Error).message}`);
  }
}

const wire = (iso: string) => iso.replace('T', ' ').replace('Z', '');

/**
 * One database per test file run, `cx_my_<random>`, dropped after the file; every test starts from it
 * emptied (MariaDB DDL costs ~0.4 s per fresh schema, which the file would pay 27 times).
 */
let shared: Promise<{ database: string; sql: mysql.Connection }> | undefined;

afterAll(async () => {
  if (!shared) return;
  const { database, sql } = await shared;
  await sql.query(`DROP DATABASE \`${database}\``);
  await sql.end();
});

async function myFixture(): Promise<{ db: DbFixture; database: string; sql: mysql.Connection }> {
  shared ??= createDatabase();
  const { database, sql } = await shared;
  const d = `\`${database}\``;
  await sql.query('SET @cx_seeding = NULL');
  await sql.query(`DROP TABLE IF EXISTS ${d}.kinds, ${d}.inventory_levels, ${d}.order_lines, ${d}.syncspec_echo`);
  await sql.query(`DELETE FROM ${d}.customers`);
  await sql.query(`DELETE FROM ${d}.cx_effects`);
  await sql.query(`UPDATE ${d}.cx_fault_ctl SET remaining = 0`);
  return { db: fixtureOver(database, sql), database, sql };
}

async function createDatabase(): Promise<{ database: string; sql: mysql.Connection }> {
  const sql = await admin();
  const database = `cx_my_${randomBytes(5).toString('hex')}`;
  const d = `\`${database}\``;
  await sql.query(`CREATE DATABASE ${d} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await sql.query(`CREATE TABLE ${d}.customers (
      code VARCHAR(40) PRIMARY KEY,
      name VARCHAR(100) NOT NULL,
      city VARCHAR(60),
      credit_limit DECIMAL(14,2),
      note TEXT,
      updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      CONSTRAINT cx_credit_nonneg CHECK (credit_limit >= 0)
    ) ENGINE=InnoDB`);
  await sql.query(`CREATE TABLE ${d}.cx_effects (k VARCHAR(40) NOT NULL, op VARCHAR(10) NOT NULL) ENGINE=InnoDB`);
  await sql.query(`CREATE TRIGGER ${d}.cx_effect_ins AFTER INSERT ON ${d}.customers FOR EACH ROW BEGIN IF @cx_seeding IS NULL THEN INSERT INTO cx_effects VALUES (NEW.code, 'INSERT'); END IF; END`);
  // ON DUPLICATE KEY UPDATE fires update triggers even when nothing changes; only a changed row is an effect.
  await sql.query(`CREATE TRIGGER ${d}.cx_effect_upd AFTER UPDATE ON ${d}.customers FOR EACH ROW BEGIN
      IF @cx_seeding IS NULL AND NOT (OLD.name <=> NEW.name AND OLD.city <=> NEW.city AND OLD.credit_limit <=> NEW.credit_limit AND OLD.note <=> NEW.note AND OLD.updated_at <=> NEW.updated_at) THEN
        INSERT INTO cx_effects VALUES (NEW.code, 'UPDATE');
      END IF;
    END`);
  // MyISAM is not transactional: the counter keeps its decrement when the failing statement rolls back.
  await sql.query(`CREATE TABLE ${d}.cx_fault_ctl (id INT PRIMARY KEY, remaining INT NOT NULL) ENGINE=MyISAM`);
  await sql.query(`INSERT INTO ${d}.cx_fault_ctl VALUES (1, 0)`);
  await sql.query(`CREATE TRIGGER ${d}.cx_fault BEFORE INSERT ON ${d}.customers FOR EACH ROW BEGIN
      IF @cx_seeding IS NULL AND (SELECT remaining FROM cx_fault_ctl WHERE id = 1) > 0 THEN
        UPDATE cx_fault_ctl SET remaining = remaining - 1 WHERE id = 1;
        SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'injected transient failure';
      END IF;
    END`);
  return { database, sql };
}

function fixtureOver(database: string, sql: mysql.Connection): DbFixture {
  const d = `\`${database}\``;
  const seeding = async <T>(body: () => Promise<T>): Promise<T> => {
    await sql.query('SET @cx_seeding = 1');
    try {
      return await body();
    } finally {
      await sql.query('SET @cx_seeding = NULL');
    }
  };
  const db: DbFixture = {
    connector: (port, over) => {
      const config: MysqlConfig = { url: `mysql://${over.user ?? 'root'}@127.0.0.1:${port}/${database}`, timeoutMs: over.timeoutMs ?? 10_000, poolSize: 2, echoTable: 'syncspec_echo' };
      if (over.password !== undefined) config.password = over.password;
      return new MysqlConnector(config);
    },
    async seed(rows) {
      await seeding(() => sql.query(`INSERT INTO ${d}.customers (code, name, updated_at) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`, rows.flatMap((r) => [r.key, `Seeded ${r.key}`, wire(r.at)])));
    },
    async touch(key, at) {
      await seeding(() => sql.query(`UPDATE ${d}.customers SET note = 'touched', updated_at = ? WHERE code = ?`, [wire(at), key]));
    },
    async stored(key) {
      const [rows] = await sql.query(`SELECT name, city, CAST(credit_limit AS CHAR) AS credit_limit FROM ${d}.customers WHERE code = ?`, [key]);
      return (rows as Record<string, unknown>[])[0];
    },
    async effects(key) {
      const [rows] = await sql.query(`SELECT CAST(COALESCE(SUM(op = 'INSERT'), 0) AS INT) AS creates, CAST(COALESCE(SUM(op = 'UPDATE'), 0) AS INT) AS updates FROM ${d}.cx_effects WHERE k = ?`, [key]);
      const r = (rows as Record<string, unknown>[])[0];
      return { creates: Number(r?.creates ?? 0), updates: Number(r?.updates ?? 0) };
    },
    async armTransientErrors(count) {
      await sql.query(`UPDATE ${d}.cx_fault_ctl SET remaining = ? WHERE id = 1`, [count]);
    },
    async lockTable() {
      const locker = await admin();
      await locker.query(`LOCK TABLES ${d}.customers WRITE`);
      return async () => {
        await locker.query('UNLOCK TABLES').catch(() => undefined);
        await locker.end();
      };
    },
    async connectorSessions(waiting) {
      const [rows] = await sql.query(`SELECT ID, STATE FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()`, [database]);
      return (rows as { ID: number; STATE: string | null }[]).filter((r) => !waiting || /lock/i.test(r.STATE ?? '')).map((r) => String(r.ID));
    },
    async kill(id) {
      if (!/^\d+$/.test(id)) throw new Error(`not a connection id: ${id}`);
      await sql.query(`KILL CONNECTION ${id}`).catch((e: { errno?: number }) => {
        if (e.errno !== 1094) throw e; // already gone
      });
    },
    async dispose() {
      // The database is dropped after the file (afterAll); the next test empties it.
    },
  };
  return db;
}

connectorContract('mysql', async () => sqlHarness((await myFixture()).db, 3306, Buffer.from('\x03COMMIT', 'latin1'), 'customers'), { throttling: false });

type Fixture = Awaited<ReturnType<typeof myFixture>>;

async function withMy<T>(over: Partial<MysqlConfig>, body: (f: Fixture, c: MysqlConnector) => Promise<T>): Promise<T> {
  const f = await myFixture();
  const c = new MysqlConnector({ url: `mysql://root@127.0.0.1:3306/${f.database}`, timeoutMs: 10_000, ...over });
  try {
    return await body(f, c);
  } finally {
    await c.close().catch(() => undefined);
    await f.db.dispose();
  }
}

const KINDS = (database: string) => `
  CREATE TABLE \`${database}\`.kinds (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(20) NOT NULL UNIQUE,
    title TEXT,
    amount DECIMAL(18,4) NOT NULL DEFAULT 0,
    qty INT,
    big BIGINT,
    flag TINYINT(1) NOT NULL,
    level TINYINT,
    born DATE,
    seen_at TIMESTAMP(6) NULL,
    local_at DATETIME(6) NULL,
    attrs JSON,
    status ENUM('open', 'it''s closed') NOT NULL DEFAULT 'open',
    ratio DOUBLE,
    deleted_at DATETIME(6) NULL,
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
  ) ENGINE=InnoDB`;

describe('mysql specifics (real MariaDB)', () => {
  it('reads the catalog from information_schema: tinyint(1) booleans, MariaDB JSON, enums, zones, keys', async () => {
    await withMy({ timezone: 'Asia/Shanghai' }, async (f, c) => {
      await f.sql.query(KINDS(f.database));
      const catalog = await c.readCatalog(['kinds']);
      expect(catalog).toMatchObject({ system: 'mysql', timezone: 'Asia/Shanghai' });
      const e = catalog.entities.kinds!;
      expect(e).toMatchObject({ keys: ['id'], cursor: 'updated_at' });
      const strip = (d: object) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'label' && k !== 'description'));
      expect(Object.fromEntries(Object.entries(e.fields).map(([k, d]) => [k, strip(d)]))).toEqual({
        id: { type: 'integer' },
        code: { type: 'string', maxLength: 20, requiredOnCreate: true },
        title: { type: 'string', maxLength: 65535, nullable: true },
        amount: { type: 'decimal', precision: 18, scale: 4 },
        qty: { type: 'integer', nullable: true },
        big: { type: 'integer', nullable: true },
        flag: { type: 'boolean', requiredOnCreate: true },
        level: { type: 'integer', nullable: true },
        born: { type: 'date', nullable: true },
        seen_at: { type: 'datetime', zone: 'Asia/Shanghai', nullable: true },
        local_at: { type: 'datetime', zone: 'Asia/Shanghai', nullable: true },
        attrs: { type: 'record', entity: 'kinds.attrs', nullable: true },
        status: { type: 'enum', values: ['open', "it's closed"] },
        ratio: { type: 'double', nullable: true },
        deleted_at: { type: 'datetime', zone: 'Asia/Shanghai', nullable: true },
        updated_at: { type: 'datetime', zone: 'Asia/Shanghai', readOnly: true },
      });
      expect(validateCatalog(catalog), JSON.stringify(validateCatalog.errors)).toBe(true);
      expect(enumValues("enum('a','b''c','')")).toEqual(['a', "b'c", '']);
    });
  });

  it('reads the same types as the static catalog.json example (reporting.inventory_levels)', async () => {
    const { readFile } = await import('node:fs/promises');
    const stat = JSON.parse(await readFile(new URL('../../connectors/mysql/catalog.json', import.meta.url), 'utf8')) as { entities: Record<string, { keys: string[]; cursor: string; fields: Record<string, Record<string, unknown>> }> };
    const expected = stat.entities['reporting.inventory_levels']!;
    await withMy({}, async (f) => {
      await f.sql.query(`CREATE TABLE \`${f.database}\`.inventory_levels (
        level_key VARCHAR(200) PRIMARY KEY, source_system VARCHAR(40) NOT NULL, material_code VARCHAR(80) NOT NULL, material_name VARCHAR(255),
        warehouse_code VARCHAR(80) NOT NULL, lot VARCHAR(80), quantity_on_hand DECIMAL(18,4) NOT NULL, quantity_available DECIMAL(18,4),
        unit VARCHAR(20), as_of DATETIME(3) NULL, updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))`);
      const catalog = await readMysqlCatalog({ url: `mysql://root@127.0.0.1:3306/${f.database}` });
      const read = catalog.entities[`${f.database}.inventory_levels`]!;
      expect(read.keys).toEqual(expected.keys);
      expect(read.cursor).toBe(expected.cursor);
      const shape = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'label' && k !== 'description'));
      expect(Object.fromEntries(Object.entries(read.fields).map(([k, d]) => [k, shape(d as Record<string, unknown>)]))).toEqual(Object.fromEntries(Object.entries(expected.fields).map(([k, d]) => [k, shape(d)])));
    });
  });

  it('round-trips decimals, 64-bit integers, utf8mb4 Chinese and emoji in both Unicode forms, dates, local times and JSON', async () => {
    await withMy({ timezone: 'Asia/Shanghai', defaults: { softDelete: 'deleted_at' } }, async (f, c) => {
      await f.sql.query(KINDS(f.database));
      const record = {
        code: 'RT1', title: '华东 "贸易" 😀 Ａ café / cafe\u0301', amount: '12345678901234.5678', qty: 42, big: '9007199254740993', flag: true, level: 7,
        born: '2026-03-01', seen_at: '2026-03-01T10:00:00.123456+08:00', local_at: '2026-03-01T02:00:00Z', attrs: { 城市: '上海', n: [1, 2.5] }, status: "it's closed", ratio: 0.1,
      };
      const [r] = await c.upsertBatch('kinds', 'code', [{ key: 'RT1', idempotencyKey: 'RT1@1', record }]);
      expect(r).toEqual({ key: 'RT1', status: 'ok', targetId: '1', created: true });
      const [raw] = await f.sql.query(`SELECT CAST(local_at AS CHAR) AS local_at, CAST(amount AS CHAR) AS amount, CAST(big AS CHAR) AS big, title, HEX(title) = HEX(?) AS same_bytes FROM \`${f.database}\`.kinds`, [record.title]);
      expect((raw as Record<string, unknown>[])[0]).toEqual({ local_at: '2026-03-01 10:00:00.000000', amount: '12345678901234.5678', big: '9007199254740993', title: record.title, same_bytes: 1 });
      const pages: unknown[] = [];
      for await (const p of c.scan('kinds', { pageSize: 10 })) pages.push(...p);
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({ id: '1', data: { ...record, id: '1', seen_at: '2026-03-01T02:00:00.123456Z', local_at: '2026-03-01T02:00:00.000Z', deleted_at: null } });
      const [again] = await c.upsertBatch('kinds', 'code', [{ key: 'RT1', idempotencyKey: 'RT1@2', record: { code: 'RT1', flag: false } }]);
      expect(again).toEqual({ key: 'RT1', status: 'ok', targetId: '1', created: false });
      await f.sql.query(`UPDATE \`${f.database}\`.kinds SET deleted_at = NOW(6), updated_at = NOW(6) + INTERVAL 1 SECOND`);
      expect((await c.readChanges('kinds', undefined, { limit: 5 })).records.map((x) => [x.id, x.deleted, x.data.flag])).toEqual([['1', true, false]]);
    });
  });

  it('lands the good rows of a refused batch and rejects each bad one with its code and constraint', async () => {
    await withMy({}, async (f, c) => {
      const ok = (k: string) => ({ key: k, idempotencyKey: `${k}@1`, record: { code: k, name: `名 ${k}`, credit_limit: '10.00' } });
      const results = await c.upsertBatch('customers', 'code', [
        ok('G1'),
        { key: 'B1', idempotencyKey: 'B1@1', record: { code: 'B1', name: null, credit_limit: '1.00' } },
        ok('G2'),
        { key: 'B2', idempotencyKey: 'B2@1', record: { code: 'B2', name: 'x', city: '长'.repeat(61), credit_limit: '1.00' } },
        { key: 'B3', idempotencyKey: 'B3@1', record: { code: 'B3', name: 'x', credit_limit: '-5' } },
        { key: 'B4', idempotencyKey: 'B4@1', record: { code: 'B4', name: 'x', credit_limit: 'lots' } },
        ok('G3'),
      ]);
      expect(results.map((r) => [r.key, r.status, r.status === 'reject' ? r.error.vendorCode : undefined])).toEqual([
        ['G1', 'ok', undefined], ['B1', 'reject', '1048'], ['G2', 'ok', undefined], ['B2', 'reject', '1406'], ['B3', 'reject', '4025'], ['B4', 'reject', '1366'], ['G3', 'ok', undefined],
      ]);
      const b3 = results[4];
      expect(b3?.status === 'reject' && b3.error).toMatchObject({ code: 'SS5156', class: 'rejected', message: expect.stringContaining('cx_credit_nonneg') });
      const [rows] = await f.sql.query(`SELECT code FROM \`${f.database}\`.customers ORDER BY code`);
      expect((rows as { code: string }[]).map((r) => r.code)).toEqual(['G1', 'G2', 'G3']);
      for (const k of ['B1', 'B2', 'B3', 'B4']) expect(await f.db.effects(k)).toEqual({ creates: 0, updates: 0 });
    });
  });

  it('classifies a real deadlock and a real lock wait timeout as retryable', async () => {
    await withMy({ timeoutMs: 300 }, async (f, c) => {
      await f.db.seed([{ key: 'A', at: '2026-03-01T00:00:00Z' }, { key: 'B', at: '2026-03-01T00:00:00Z' }]);
      const t = `\`${f.database}\`.customers`;
      const [s1, s2] = [await admin(), await admin()];
      try {
        await s1.query('BEGIN');
        await s2.query('BEGIN');
        await s1.query(`UPDATE ${t} SET note = '1' WHERE code = 'A'`);
        await s2.query(`UPDATE ${t} SET note = '2' WHERE code = 'B'`);
        const first = s1.query(`UPDATE ${t} SET note = '1' WHERE code = 'B'`);
        // Whichever of the two crossing updates arrives second closes the cycle; InnoDB detects it at once.
        const outcomes = await Promise.allSettled([first, s2.query(`UPDATE ${t} SET note = '2' WHERE code = 'A'`)]);
        const deadlock = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(classifyMysqlError(deadlock.reason)).toMatchObject({ perRecord: false, error: { code: 'SS5154', class: 'retryable', vendorCode: '1213' } });
        await s1.query('ROLLBACK');
        await s2.query('ROLLBACK');
        await s1.query('BEGIN');
        await s1.query(`SELECT * FROM ${t} WHERE code = 'A' FOR UPDATE`);
        const nowait = await s2.query(`SELECT * FROM ${t} WHERE code = 'A' FOR UPDATE NOWAIT`).catch((e: unknown) => e);
        expect(classifyMysqlError(nowait)).toMatchObject({ error: { code: 'SS5153', class: 'retryable' } });
        const [r] = await c.upsertBatch('customers', 'code', [{ key: 'A', idempotencyKey: 'A@2', record: { code: 'A', name: 'changed' } }]);
        expect(r).toMatchObject({ status: 'retry', error: { code: 'SS5153', class: 'retryable' } });
        await s1.query('ROLLBACK');
      } finally {
        s1.destroy();
        s2.destroy();
      }
    });
  });

  it('keeps identifiers validated and values out of the statement text', async () => {
    await withMy({}, async (f, c) => {
      await expect(c.readChanges('customers`; DROP TABLE customers; --', undefined, { limit: 5 })).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
      const evil = "x'); DROP TABLE customers;--?\\";
      const evilName = "'); DROP TABLE customers; -- ? \\ ` \"";
      const results = await c.upsertBatch('customers', 'code', [
        { key: evil, idempotencyKey: 'e', record: { code: evil, name: evilName } },
        { key: 'Y', idempotencyKey: 'y', record: { code: 'Y', name: 'y', 'name`; --': 1 } },
      ]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'reject']);
      expect(results[1]).toMatchObject({ error: { code: 'SS5157', vendorCode: '1054' } });
      const [rows] = await f.sql.query(`SELECT code, name FROM \`${f.database}\`.customers`);
      expect(rows).toEqual([{ code: evil, name: evilName }]);
    });
  });

  it('leaves a row that already holds the values alone: no new updated-at, no update effect', async () => {
    await withMy({}, async (f, c) => {
      const rec = { key: 'N', idempotencyKey: 'N@1', record: { code: 'N', name: '不变', credit_limit: '1.50' } };
      expect(await c.upsertBatch('customers', 'code', [rec])).toMatchObject([{ status: 'ok', created: true, targetId: 'N' }]);
      const before = (await c.readChanges('customers', undefined, { limit: 5 })).records[0]?.cursor;
      expect(await c.upsertBatch('customers', 'code', [rec, { key: 'M', idempotencyKey: 'M@1', record: { code: 'M', name: 'new' } }])).toMatchObject([{ status: 'ok', created: false, targetId: 'N' }, { status: 'ok', created: true }]);
      const after = (await c.readChanges('customers', undefined, { limit: 5 })).records.find((r) => r.id === 'N')?.cursor;
      expect(after).toBe(before);
      expect(await f.db.effects('N')).toEqual({ creates: 1, updates: 0 });
      expect(await c.upsertBatch('customers', 'code', [{ ...rec, record: { ...rec.record, credit_limit: '1.51' } }])).toMatchObject([{ status: 'ok', created: false }]);
      expect(await f.db.effects('N')).toEqual({ creates: 1, updates: 1 });
      expect((await c.readChanges('customers', undefined, { limit: 5 })).records.find((r) => r.id === 'N')?.cursor).not.toBe(before);
    });
  });

  it('works with a composite key: upsert by both columns, tie-safe paging and scans over the pair', async () => {
    await withMy({}, async (f, c) => {
      await f.sql.query(`CREATE TABLE \`${f.database}\`.order_lines (order_no VARCHAR(20), line_no INT, qty DECIMAL(12,3) NOT NULL, updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (order_no, line_no))`);
      const line = (o: string, n: number, qty: string) => ({ key: `${o}/${n}`, idempotencyKey: `${o}/${n}@${qty}`, record: { order_no: o, line_no: n, qty } });
      const written = await c.upsertBatch('order_lines', 'order_no,line_no', [line('SO-2', 1, '1'), line('SO-1', 10, '2'), line('SO-1', 2, '3.5'), line('SO-1', 2, '4')]);
      expect(written.map((r) => r.status === 'ok' && [r.targetId, r.created])).toEqual([['["SO-2","1"]', true], ['["SO-1","10"]', true], ['["SO-1","2"]', true], ['["SO-1","2"]', false]]);
      await f.sql.query(`UPDATE \`${f.database}\`.order_lines SET updated_at = '2026-03-01 00:00:00'`);
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const page = await c.readChanges('order_lines', undefined, next === undefined ? { limit: 1 } : { limit: 1, next });
        seen.push(...page.records.map((r) => r.id));
        next = page.next;
      } while (next !== undefined);
      expect(seen).toEqual(['["SO-1","2"]', '["SO-1","10"]', '["SO-2","1"]']);
      const scanned: unknown[] = [];
      for await (const p of c.scan('order_lines', { pageSize: 2 })) scanned.push(...p.map((r) => [r.data.order_no, r.data.line_no, r.data.qty]));
      expect(scanned).toEqual([['SO-1', 2, '4.000'], ['SO-1', 10, '2.000'], ['SO-2', 1, '1.000']]);
    });
  });

  it('resumes exactly between rows that share a millisecond (microsecond cursors)', async () => {
    await withMy({}, async (f, c) => {
      await f.db.seed([{ key: 'C', at: '2026-03-01T00:00:00.000100Z' }, { key: 'B', at: '2026-03-01T00:00:00.000200Z' }, { key: 'A', at: '2026-03-01T00:00:00.000300Z' }]);
      const first = await c.readChanges('customers', undefined, { limit: 1 });
      expect(first.checkpoint).toEqual({ at: '2026-03-01T00:00:00.000100Z', id: 'C' });
      expect((await c.readChanges('customers', first.checkpoint, { limit: 5 })).records.map((r) => r.id)).toEqual(['B', 'A']);
      const [notUnique] = await c.upsertBatch('customers', 'city', [{ key: 'n', idempotencyKey: 'n', record: { code: 'N1', name: 'n', city: 'x' } }]);
      expect(notUnique).toMatchObject({ status: 'reject', error: { code: 'SS5157', vendorCode: 'no_unique_key' } });
      expect(await f.db.effects('N1')).toEqual({ creates: 0, updates: 0 });
    });
  });

  it('rejects with the abort reason while a statement waits, and writes nothing', async () => {
    await withMy({}, async (f) => {
      const c = f.db.connector(3306, {});
      try {
        await c.readChanges('customers', undefined, { limit: 1 });
        const unlock = await f.db.lockTable();
        const ac = new AbortController();
        const pending = c.upsertBatch('customers', 'code', [{ key: 'AB', idempotencyKey: 'AB', record: { code: 'AB', name: 'x' } }], ac.signal);
        await expect.poll(() => f.db.connectorSessions(true), { timeout: 5000 }).toHaveLength(1);
        ac.abort(new Error('worker draining'));
        await expect(pending).rejects.toThrow('worker draining');
        await unlock();
        expect(await f.db.effects('AB')).toEqual({ creates: 0, updates: 0 });
      } finally {
        await c.close();
      }
    });
  });

  it('reports a server that does not answer as retryable SS5152', async () => {
    const { createServer } = await import('node:net');
    const srv = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    const c = new MysqlConnector({ url: `mysql://root@127.0.0.1:${port}/test`, password: 'my-secret-pw', connectTimeoutMs: 2000 });
    try {
      const f = await c.readChanges('customers', undefined, { limit: 5 }).catch((e: unknown) => e);
      expect(f).toMatchObject({ error: { code: 'SS5152', class: 'retryable' } });
      expect(JSON.stringify(f) + String(f)).not.toContain('my-secret-pw');
    } finally {
      await c.close();
    }
  });

  it('builds from a Connection spec through the secret resolver; settings errors are SS5166', async () => {
    const f = await myFixture();
    const asked: string[] = [];
    const resolve = async (ref: unknown, field: string) => {
      asked.push(`${field}=${JSON.stringify(ref)}`);
      return ''; // root has no password on this machine
    };
    try {
      await f.db.seed([{ key: 'S1', at: '2026-03-01T00:00:00Z' }]);
      const c = await createConnector({ name: 'erp-db', system: 'mysql', url: `mysql://127.0.0.1:3306/${f.database}`, auth: { method: 'password', username: 'root', password: { env: 'MY_PASSWORD' } }, options: { table: 'customers', key: ['code'], updatedAt: 'updated_at' } }, resolve);
      try {
        expect(c.system).toBe('mysql');
        expect((await c.readChanges('anything', undefined, { limit: 5 })).records.map((r) => r.id)).toEqual(['S1']);
      } finally {
        await c.close();
      }
      expect(asked).toEqual(['auth.password={"env":"MY_PASSWORD"}']);
      const bad = (over: Record<string, unknown>) => createConnector({ name: 'y', system: 'mysql', url: 'mysql://127.0.0.1:3306/test', auth: { method: 'password', username: 'root', password: { env: 'P' } }, ...over } as never, resolve).catch((e: Error) => e.message);
      expect(await bad({ url: 'postgres://127.0.0.1/test' })).toMatch(/SS5166: connection y: url must start with mysql:\/\/ or mariadb:\/\//);
      expect(await bad({ options: { tables: { a: { key: [] } } } })).toMatch(/options\.tables\.a\.key must be a column name/);
    } finally {
      await f.db.dispose();
    }
  });
});

describe('mysql harness faults are the server’s own', () => {
  it('answers each injected fault with the real MariaDB signal', async () => {
    const h = await sqlHarness((await myFixture()).db, 3306, Buffer.from('\x03COMMIT', 'latin1'), 'customers');
    const item = (key: string) => [{ key, idempotencyKey: `${key}@1`, record: h.validRecord(key, 1) }];
    try {
      await h.connector.readChanges('customers', undefined, { limit: 1 });
      await h.setFaults({ next: ['error'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F1')))[0]).toMatchObject({ error: { code: 'SS5154', vendorCode: '1213' } });
      await h.setFaults({ next: ['drop'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F2')))[0]).toMatchObject({ error: { code: 'SS5152', vendorCode: expect.stringMatching(/^(1927|PROTOCOL_CONNECTION_LOST)$/) } });
      await h.setFaults({ next: ['dropAfterWrite'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F3')))[0]).toMatchObject({ error: { code: 'SS5152' } });
      expect(await h.effects('F3')).toMatchObject({ creates: 1 });
      const quick = h.withTimeout(200);
      await h.setFaults({ next: ['hang'] });
      await expect(quick.readChanges('customers', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5153', vendorCode: '1969' } });
      await h.setFaults({});
    } finally {
      await h.close();
    }
  });

  convergesUnderRealFaults(async () => sqlHarness((await myFixture()).db, 3306, Buffer.from('\x03COMMIT', 'latin1'), 'customers'));
});
