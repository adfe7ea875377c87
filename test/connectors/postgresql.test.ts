import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresConnector, readPostgresCatalog, type PostgresConfig } from '../../connectors/postgresql/connector.ts';
import { classifyPostgresError } from '../../connectors/postgresql/dialect.ts';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readCatalogFromConnection } from '../../connectors/postgresql/index.ts';
import { createConnector } from '../../connectors/shared/connection.ts';
import { connectorContract } from './contract.ts';
import { convergesUnderRealFaults, sqlHarness, type DbFixture } from './sql-harness.ts';

const validateCatalog = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(new URL('../../schemas/catalog.schema.json', import.meta.url), 'utf8')) as object);

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

async function admin(): Promise<pg.Client> {
  const c = new pg.Client(PG);
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`PostgreSQL on 127.0.0.1:5432 (db test, user postgres) is not reachable — start it to run these tests: ${(e as Error).message}`);
  }
  return c;
}

/** A schema of its own per harness: `cx_pg_<random>`, dropped afterwards. */
/**
 * One schema per test file run, `cx_pg_<random>`, dropped after the file; each test starts from it emptied
 * and names its connectors' sessions with an application_name of its own.
 */
let shared: Promise<{ schema: string; sql: pg.Client }> | undefined;

afterAll(async () => {
  if (!shared) return;
  const { schema, sql } = await shared;
  await sql.query(`DROP SCHEMA ${schema} CASCADE`);
  await sql.end();
});

async function pgFixture(): Promise<{ db: DbFixture; schema: string; app: string; sql: pg.Client }> {
  shared ??= createSchema();
  const { schema, sql } = await shared;
  await sql.query(`DROP TABLE IF EXISTS ${schema}.kinds, ${schema}.inventory_levels, ${schema}.order_lines, ${schema}.syncspec_echo;
    TRUNCATE ${schema}.customers, ${schema}.cx_effects; UPDATE ${schema}.cx_fault_ctl SET fail_until = 0`);
  const app = `${schema}_${randomBytes(3).toString('hex')}`;
  return { db: fixtureOver(schema, app, sql), schema, app, sql };
}

async function createSchema(): Promise<{ schema: string; sql: pg.Client }> {
  const sql = await admin();
  const schema = `cx_pg_${randomBytes(5).toString('hex')}`;
  await sql.query(`CREATE SCHEMA ${schema}`);
  await sql.query(`
    CREATE TABLE ${schema}.customers (
      code varchar(40) PRIMARY KEY,
      name varchar(100) NOT NULL,
      city varchar(60),
      credit_limit numeric(14,2) CONSTRAINT cx_credit_nonneg CHECK (credit_limit >= 0),
      note text,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${schema}.cx_effects (k text NOT NULL, op text NOT NULL);
    CREATE FUNCTION ${schema}.cx_effect() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('cx.seeding', true) IS DISTINCT FROM 'on' THEN INSERT INTO ${schema}.cx_effects VALUES (NEW.code, TG_OP); END IF;
        RETURN NULL;
      END $$;
    CREATE TRIGGER cx_effect AFTER INSERT OR UPDATE ON ${schema}.customers FOR EACH ROW EXECUTE FUNCTION ${schema}.cx_effect();
    CREATE SEQUENCE ${schema}.cx_fault_seq;
    CREATE TABLE ${schema}.cx_fault_ctl (fail_until bigint NOT NULL);
    INSERT INTO ${schema}.cx_fault_ctl VALUES (0);
    CREATE FUNCTION ${schema}.cx_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('cx.seeding', true) IS DISTINCT FROM 'on' AND nextval('${schema}.cx_fault_seq') <= (SELECT fail_until FROM ${schema}.cx_fault_ctl) THEN
          RAISE EXCEPTION 'injected transient failure' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NULL;
      END $$;
    CREATE TRIGGER cx_fault BEFORE INSERT ON ${schema}.customers FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.cx_fault();
  `);
  return { schema, sql };
}

function fixtureOver(schema: string, app: string, sql: pg.Client): DbFixture {
  const db: DbFixture = {
    connector: (port, over) => {
      const config: PostgresConfig = { url: `postgres://${over.user ?? 'postgres'}@127.0.0.1:${port}/test`, schema, applicationName: app, timeoutMs: over.timeoutMs ?? 10_000, poolSize: 2, echoTable: `${schema}.syncspec_echo` };
      if (over.password !== undefined) config.password = over.password;
      return new PostgresConnector(config);
    },
    async seed(rows) {
      const params: unknown[] = [];
      const values = rows.map((r) => {
        params.push(r.key, `Seeded ${r.key}`, r.at);
        return `($${params.length - 2}, $${params.length - 1}, $${params.length})`;
      });
      await sql.query(`BEGIN; SET LOCAL cx.seeding = 'on'`);
      await sql.query(`INSERT INTO ${schema}.customers (code, name, updated_at) VALUES ${values.join(', ')}`, params);
      await sql.query('COMMIT');
    },
    async touch(key, at) {
      await sql.query(`BEGIN; SET LOCAL cx.seeding = 'on'`);
      await sql.query(`UPDATE ${schema}.customers SET note = 'touched', updated_at = $2 WHERE code = $1`, [key, at]);
      await sql.query('COMMIT');
    },
    async stored(key) {
      return (await sql.query(`SELECT name, city, credit_limit::text AS credit_limit FROM ${schema}.customers WHERE code = $1`, [key])).rows[0] as Record<string, unknown> | undefined;
    },
    async effects(key) {
      const r = (await sql.query(`SELECT count(*) FILTER (WHERE op = 'INSERT')::int AS creates, count(*) FILTER (WHERE op = 'UPDATE')::int AS updates FROM ${schema}.cx_effects WHERE k = $1`, [key])).rows[0];
      return { creates: Number(r?.creates ?? 0), updates: Number(r?.updates ?? 0) };
    },
    async armTransientErrors(count) {
      await sql.query(`UPDATE ${schema}.cx_fault_ctl SET fail_until = nextval('${schema}.cx_fault_seq') + $1`, [count]);
    },
    async lockTable() {
      const locker = await admin();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.customers IN ACCESS EXCLUSIVE MODE`);
      return async () => {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      };
    },
    async connectorSessions(waiting) {
      const rows = (await sql.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 ${waiting ? "AND wait_event_type = 'Lock'" : ''}`, [app])).rows;
      return rows.map((r) => String(r.pid));
    },
    async kill(id) {
      await sql.query('SELECT pg_terminate_backend($1)', [Number(id)]);
    },
    async dispose() {
      // The schema is dropped after the file (afterAll); the next test empties it.
    },
  };
  return db;
}

connectorContract('postgresql', async () => sqlHarness((await pgFixture()).db, 5432, Buffer.from('COMMIT\0'), 'customers'), { throttling: false });

type Fixture = Awaited<ReturnType<typeof pgFixture>>;

async function withPg<T>(over: Partial<PostgresConfig>, body: (f: Fixture, c: PostgresConnector) => Promise<T>): Promise<T> {
  const f = await pgFixture();
  const c = new PostgresConnector({ url: 'postgres://postgres@127.0.0.1:5432/test', schema: f.schema, applicationName: f.app, timeoutMs: 10_000, ...over });
  try {
    return await body(f, c);
  } finally {
    await c.close().catch(() => undefined);
    await f.db.dispose();
  }
}

const KINDS = (schema: string) => `
  CREATE TABLE ${schema}.kinds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(20) NOT NULL UNIQUE,
    title text,
    amount numeric(18,4) NOT NULL DEFAULT 0,
    qty integer,
    big bigint,
    flag boolean NOT NULL,
    born date,
    seen_at timestamptz,
    local_at timestamp,
    attrs jsonb,
    ratio double precision,
    deleted_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`;

describe('postgresql specifics (real server)', () => {
  it('reads the catalog from information_schema: lengths, precision, zones, JSON, keys, cursor, nullability', async () => {
    await withPg({ timezone: 'Asia/Shanghai' }, async (f, c) => {
      await f.sql.query(KINDS(f.schema));
      const catalog = await c.readCatalog([`${f.schema}.kinds`]);
      expect(catalog.system).toBe('postgresql');
      expect(catalog.timezone).toBe('Asia/Shanghai');
      const e = catalog.entities[`${f.schema}.kinds`];
      expect(e).toMatchObject({ keys: ['id'], cursor: 'updated_at' });
      const strip = (d: object) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'label'));
      expect(Object.fromEntries(Object.entries(e!.fields).map(([k, d]) => [k, strip(d)]))).toEqual({
        id: { type: 'integer', readOnly: true, description: '64-bit integer, read as a decimal string so no digit is lost.' },
        code: { type: 'string', maxLength: 20, requiredOnCreate: true },
        title: { type: 'string', nullable: true },
        amount: { type: 'decimal', precision: 18, scale: 4 },
        qty: { type: 'integer', nullable: true },
        big: { type: 'integer', nullable: true, description: '64-bit integer, read as a decimal string so no digit is lost.' },
        flag: { type: 'boolean', requiredOnCreate: true },
        born: { type: 'date', nullable: true },
        seen_at: { type: 'datetime', zone: 'utc', nullable: true },
        local_at: { type: 'datetime', zone: 'Asia/Shanghai', nullable: true },
        attrs: { type: 'record', entity: `${f.schema}.kinds.attrs`, nullable: true, description: expect.stringContaining('Free-form JSON document (jsonb)') },
        ratio: { type: 'double', nullable: true },
        deleted_at: { type: 'datetime', zone: 'utc', nullable: true },
        updated_at: { type: 'datetime', zone: 'utc', readOnly: true },
      });
      expect(catalog.entities[`${f.schema}.kinds.attrs`]).toBeUndefined();
      await expect(c.readCatalog([`${f.schema}.nope`])).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
      // The whole schema, without the connector's own echo bookkeeping table.
      const withEcho = f.db.connector(5432, {}) as PostgresConnector;
      try {
        expect(await withEcho.upsertBatch('customers', 'code', [{ key: 'E', idempotencyKey: 'E', record: { code: 'E', name: 'e' } }])).toMatchObject([{ status: 'ok' }]);
        const all = await withEcho.readCatalog();
        expect(validateCatalog(all), JSON.stringify(validateCatalog.errors)).toBe(true);
        const viaSpec = await readCatalogFromConnection({ name: 'reporting', system: 'postgresql', url: 'postgres://127.0.0.1:5432/test', timezone: 'Asia/Shanghai', auth: { method: 'password', username: 'postgres', password: { env: 'PG_PASSWORD' } }, options: { schema: f.schema } }, async () => 'trust-ignores-it', [`${f.schema}.kinds`]);
        expect(viaSpec.entities[`${f.schema}.kinds`]).toEqual(catalog.entities[`${f.schema}.kinds`]);
        // Keyless tables (the fixture's effect log and fault counter) are left out: a catalog entity needs a key.
        expect(Object.keys(all.entities)).toEqual(['customers', 'kinds'].map((t) => `${f.schema}.${t}`));
      } finally {
        await withEcho.close();
      }
    });
  });

  it('reads the same types as the static catalog.json example (reporting.inventory_levels)', async () => {
    const { readFile } = await import('node:fs/promises');
    const stat = JSON.parse(await readFile(new URL('../../connectors/postgresql/catalog.json', import.meta.url), 'utf8')) as { entities: Record<string, { keys: string[]; cursor: string; fields: Record<string, Record<string, unknown>> }> };
    const expected = stat.entities['reporting.inventory_levels']!;
    await withPg({}, async (f) => {
      await f.sql.query(`CREATE TABLE ${f.schema}.inventory_levels (
        level_key varchar(200) PRIMARY KEY, source_system varchar(40) NOT NULL, material_code varchar(80) NOT NULL, material_name varchar(255),
        warehouse_code varchar(80) NOT NULL, lot varchar(80), quantity_on_hand numeric(18,4) NOT NULL, quantity_available numeric(18,4),
        unit varchar(20), as_of timestamptz, updated_at timestamptz NOT NULL DEFAULT now())`);
      const catalog = await readPostgresCatalog({ url: 'postgres://postgres@127.0.0.1:5432/test', schema: f.schema });
      const read = catalog.entities[`${f.schema}.inventory_levels`]!;
      expect(read.keys).toEqual(expected.keys);
      expect(read.cursor).toBe(expected.cursor);
      const shape = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'label' && k !== 'description'));
      expect(Object.fromEntries(Object.entries(read.fields).map(([k, d]) => [k, shape(d as Record<string, unknown>)]))).toEqual(Object.fromEntries(Object.entries(expected.fields).map(([k, d]) => [k, shape(d)])));
    });
  });

  it('round-trips decimals, 64-bit integers, Chinese text in both Unicode forms, dates, instants and JSON exactly', async () => {
    await withPg({ timezone: 'Asia/Shanghai', defaults: { softDelete: 'deleted_at' } }, async (f, c) => {
      await f.sql.query(KINDS(f.schema));
      const record = {
        code: 'RT1', title: '华东 "贸易" 😀 Ａ café / cafe\u0301', amount: '12345678901234.5678', qty: 42, big: '9007199254740993', flag: true,
        born: '2026-03-01', seen_at: '2026-03-01T10:00:00.123456+08:00', local_at: '2026-03-01T10:00:00+08:00', attrs: { 城市: '上海', n: [1, 2.5] }, ratio: 0.1,
      };
      const [r] = await c.upsertBatch('kinds', 'code', [{ key: 'RT1', idempotencyKey: 'RT1@1', record }]);
      expect(r).toEqual({ key: 'RT1', status: 'ok', targetId: '1', created: true });
      const raw = (await f.sql.query(`SELECT local_at::text AS local_at, (seen_at AT TIME ZONE 'UTC')::text AS seen_utc, amount::text AS amount, big::text AS big, title FROM ${f.schema}.kinds`)).rows[0];
      expect(raw).toEqual({ local_at: '2026-03-01 10:00:00', seen_utc: '2026-03-01 02:00:00.123456', amount: '12345678901234.5678', big: '9007199254740993', title: record.title });
      const pages: unknown[] = [];
      for await (const p of c.scan('kinds', { pageSize: 10 })) pages.push(...p);
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({
        id: '1',
        data: { ...record, id: '1', seen_at: '2026-03-01T02:00:00.123456Z', local_at: '2026-03-01T02:00:00.000Z', deleted_at: null },
      });
      expect((pages[0] as { data: { title: string } }).data.title.normalize('NFC')).not.toBe((pages[0] as { data: { title: string } }).data.title);
      // soft delete: a set deleted_at column marks the record deleted
      await f.sql.query(`UPDATE ${f.schema}.kinds SET deleted_at = now(), updated_at = now() + interval '1 second'`);
      const changed = await c.readChanges('kinds', undefined, { limit: 5 });
      expect(changed.records.map((x) => [x.id, x.deleted])).toEqual([['1', true]]);
      // identity columns are the database's to set
      const [gen] = await c.upsertBatch('kinds', 'code', [{ key: 'RT2', idempotencyKey: 'x', record: { code: 'RT2', flag: false, id: 5 } }]);
      expect(gen).toMatchObject({ status: 'reject', error: { code: 'SS5157', vendorCode: 'generated_column' } });
    });
  });

  it('lands the good rows of a refused batch and rejects each bad one with its code and constraint', async () => {
    await withPg({}, async (f, c) => {
      const ok = (k: string) => ({ key: k, idempotencyKey: `${k}@1`, record: { code: k, name: `名 ${k}`, credit_limit: '10.00' } });
      const results = await c.upsertBatch('customers', 'code', [
        ok('G1'),
        { key: 'B1', idempotencyKey: 'B1@1', record: { code: 'B1', name: null } },
        ok('G2'),
        { key: 'B2', idempotencyKey: 'B2@1', record: { code: 'B2', name: 'x', city: '长'.repeat(61) } },
        { key: 'B3', idempotencyKey: 'B3@1', record: { code: 'B3', name: 'x', credit_limit: '-5' } },
        { key: 'B4', idempotencyKey: 'B4@1', record: { code: 'B4', name: 'x', credit_limit: 'lots' } },
        ok('G3'),
      ]);
      expect(results.map((r) => [r.key, r.status, r.status === 'reject' ? r.error.vendorCode : undefined])).toEqual([
        ['G1', 'ok', undefined], ['B1', 'reject', '23502'], ['G2', 'ok', undefined], ['B2', 'reject', '22001'], ['B3', 'reject', '23514'], ['B4', 'reject', '22P02'], ['G3', 'ok', undefined],
      ]);
      const b3 = results[4];
      expect(b3?.status === 'reject' && b3.error).toMatchObject({ code: 'SS5156', class: 'rejected', message: expect.stringContaining('cx_credit_nonneg') });
      const stored = (await f.sql.query(`SELECT code FROM ${f.schema}.customers ORDER BY code`)).rows.map((r) => r.code);
      expect(stored).toEqual(['G1', 'G2', 'G3']);
      for (const k of ['B1', 'B2', 'B3', 'B4']) expect(await f.db.effects(k)).toEqual({ creates: 0, updates: 0 });
    });
  });

  it('classifies real deadlocks, serialization failures and lock timeouts as retryable', async () => {
    await withPg({ timeoutMs: 300 }, async (f, c) => {
      await f.db.seed([{ key: 'A', at: '2026-03-01T00:00:00Z' }, { key: 'B', at: '2026-03-01T00:00:00Z' }]);
      const [s1, s2] = [await admin(), await admin()];
      try {
        for (const s of [s1, s2]) await s.query(`SET deadlock_timeout = '20ms'`);
        await s1.query('BEGIN');
        await s2.query('BEGIN');
        await s1.query(`UPDATE ${f.schema}.customers SET note = '1' WHERE code = 'A'`);
        await s2.query(`UPDATE ${f.schema}.customers SET note = '2' WHERE code = 'B'`);
        const waits = [s1.query(`UPDATE ${f.schema}.customers SET note = '1' WHERE code = 'B'`), s2.query(`UPDATE ${f.schema}.customers SET note = '2' WHERE code = 'A'`)];
        const outcomes = await Promise.allSettled(waits);
        const deadlock = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(classifyPostgresError(deadlock.reason)).toMatchObject({ perRecord: false, error: { code: 'SS5154', class: 'retryable', vendorCode: '40P01' } });
        await s1.query('ROLLBACK');
        await s2.query('ROLLBACK');
        await s1.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await s1.query(`SELECT * FROM ${f.schema}.customers WHERE code = 'A'`);
        await s2.query(`UPDATE ${f.schema}.customers SET note = 'x' WHERE code = 'A'`);
        const serial = await s1.query(`UPDATE ${f.schema}.customers SET note = 'y' WHERE code = 'A'`).catch((e: unknown) => e);
        expect(classifyPostgresError(serial)).toMatchObject({ error: { code: 'SS5154', class: 'retryable', vendorCode: '40001' } });
        await s1.query('ROLLBACK');
        // A lock held elsewhere: the connector's lock_timeout / statement_timeout answers, never a hang.
        await s1.query('BEGIN');
        await s1.query(`SELECT * FROM ${f.schema}.customers WHERE code = 'A' FOR UPDATE`);
        const [r] = await c.upsertBatch('customers', 'code', [{ key: 'A', idempotencyKey: 'A@2', record: { code: 'A', name: 'changed' } }]);
        expect(r).toMatchObject({ status: 'retry', error: { code: 'SS5153', class: 'retryable', vendorCode: expect.stringMatching(/^(55P03|57014)$/) } });
        await s1.query('ROLLBACK');
      } finally {
        await s1.end();
        await s2.end();
      }
    });
  });

  it('keeps identifiers validated and values out of the statement text', async () => {
    await withPg({}, async (f, c) => {
      await expect(c.readChanges('customers"; DROP TABLE customers; --', undefined, { limit: 5 })).rejects.toMatchObject({ error: { code: 'SS5165', class: 'bad-mapping' } });
      const bad = await c.upsertBatch('customers', 'code"; --', [{ key: 'X', idempotencyKey: 'X', record: { code: 'X', name: 'x' } }]);
      expect(bad[0]).toMatchObject({ status: 'reject', error: { code: 'SS5157', class: 'bad-mapping' } });
      const evil = `x'); DROP TABLE customers;--$1\\`;
      const evilName = `'); DROP TABLE ${f.schema}.customers; -- $1 \\ "`;
      const results = await c.upsertBatch('customers', 'code', [
        { key: evil, idempotencyKey: 'e', record: { code: evil, name: evilName } },
        { key: 'Y', idempotencyKey: 'y', record: { code: 'Y', name: 'y', 'name"; --': 1 } },
      ]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'reject']);
      expect(results[1]).toMatchObject({ error: { code: 'SS5157', vendorCode: '42703' } });
      expect((await f.sql.query(`SELECT code, name FROM ${f.schema}.customers`)).rows).toEqual([{ code: evil, name: evilName }]);
    });
  });

  it('leaves a row that already holds the values alone: no new updated-at, no update effect', async () => {
    await withPg({}, async (f, c) => {
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
    await withPg({}, async (f, c) => {
      await f.sql.query(`CREATE TABLE ${f.schema}.order_lines (order_no varchar(20), line_no integer, qty numeric(12,3) NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (order_no, line_no))`);
      const line = (o: string, n: number, qty: string) => ({ key: `${o}/${n}`, idempotencyKey: `${o}/${n}@${qty}`, record: { order_no: o, line_no: n, qty } });
      const written = await c.upsertBatch('order_lines', 'order_no,line_no', [line('SO-2', 1, '1'), line('SO-1', 10, '2'), line('SO-1', 2, '3.5'), line('SO-1', 2, '4')]);
      expect(written.map((r) => r.status === 'ok' && [r.targetId, r.created])).toEqual([['["SO-2","1"]', true], ['["SO-1","10"]', true], ['["SO-1","2"]', true], ['["SO-1","2"]', false]]);
      // One transaction: all four rows share updated_at, so every page boundary falls inside the tie.
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
    await withPg({}, async (f, c) => {
      await f.db.seed([{ key: 'C', at: '2026-03-01T00:00:00.000100Z' }, { key: 'B', at: '2026-03-01T00:00:00.000200Z' }, { key: 'A', at: '2026-03-01T00:00:00.000300Z' }]);
      const first = await c.readChanges('customers', undefined, { limit: 1 });
      expect(first.records.map((r) => r.id)).toEqual(['C']);
      expect(first.checkpoint).toEqual({ at: '2026-03-01T00:00:00.000100Z', id: 'C' });
      const rest = await c.readChanges('customers', first.checkpoint, { limit: 5 });
      expect(rest.records.map((r) => r.id)).toEqual(['B', 'A']);
      const garbage = c.readChanges('customers', undefined, { limit: 5, next: 'not-a-token' });
      await expect(garbage).rejects.toMatchObject({ error: { code: 'SS5164' } });
      await expect(c.readChanges('customers', { at: 'yesterday', id: '' }, { limit: 5 })).rejects.toMatchObject({ error: { code: 'SS5164', class: 'bad-mapping' } });
      // Upserting by a column the database does not keep unique would duplicate rows on retries: refused.
      const [notUnique] = await c.upsertBatch('customers', 'name', [{ key: 'n', idempotencyKey: 'n', record: { code: 'N1', name: 'n' } }]);
      expect(notUnique).toMatchObject({ status: 'reject', error: { code: 'SS5157', vendorCode: 'no_unique_key', message: expect.stringContaining('unique keys: (code)') } });
    });
  });

  it('rejects with the abort reason while a statement waits, and writes nothing', async () => {
    await withPg({}, async (f) => {
      const c = f.db.connector(5432, {}) as PostgresConnector;
      try {
        await c.readChanges('customers', undefined, { limit: 1 });
        const unlock = await f.db.lockTable();
        const ac = new AbortController();
        const pending = c.upsertBatch('customers', 'code', [{ key: 'AB', idempotencyKey: 'AB', record: { code: 'AB', name: 'x' } }], ac.signal);
        await expect.poll(() => f.db.connectorSessions(true), { timeout: 5000 }).toHaveLength(1);
        ac.abort(new Error('worker draining'));
        await expect(pending).rejects.toThrow('worker draining');
        await unlock();
        await expect.poll(() => f.db.connectorSessions(true)).toHaveLength(0);
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
    const c = new PostgresConnector({ url: `postgres://postgres@127.0.0.1:${port}/test`, password: 'pg-secret-pw', connectTimeoutMs: 2000 });
    try {
      const f = await c.readChanges('customers', undefined, { limit: 5 }).catch((e: unknown) => e);
      expect(f).toMatchObject({ error: { code: 'SS5152', class: 'retryable' } });
      expect(JSON.stringify(f) + String(f)).not.toContain('pg-secret-pw');
      expect(await c.upsertBatch('customers', 'code', [{ key: 'Z', idempotencyKey: 'z', record: { code: 'Z' } }])).toEqual([{ key: 'Z', status: 'retry', error: expect.objectContaining({ code: 'SS5152' }) }]);
    } finally {
      await c.close();
    }
  });

  it('builds from a Connection spec: password through the secret resolver, table options, settings errors as SS5166', async () => {
    const f = await pgFixture();
    const asked: string[] = [];
    const resolve = async (ref: unknown, field: string) => {
      asked.push(`${field}=${JSON.stringify(ref)}`);
      return 'unused-with-trust';
    };
    try {
      await f.db.seed([{ key: 'S1', at: '2026-03-01T00:00:00Z' }]);
      const c = await createConnector({ name: 'reporting-db', system: 'postgresql', url: 'postgres://127.0.0.1:5432/test', auth: { method: 'password', username: 'postgres', password: { env: 'PG_PASSWORD' } }, options: { schema: f.schema, tables: { clients: { table: 'customers', key: 'code', updatedAt: 'updated_at' } } } }, resolve);
      try {
        expect(c.system).toBe('postgresql');
        expect((await c.readChanges('clients', undefined, { limit: 5 })).records.map((r) => r.id)).toEqual(['S1']);
      } finally {
        await c.close();
      }
      expect(asked).toEqual(['auth.password={"env":"PG_PASSWORD"}']);
      const bad = async (over: Record<string, unknown>) => createConnector({ name: 'x', system: 'postgresql', url: 'postgres://127.0.0.1:5432/test', auth: { method: 'password', username: 'postgres', password: { env: 'P' } }, ...over } as never, resolve).catch((e: Error) => e.message);
      expect(await bad({ options: { key: 5 } })).toMatch(/SS5166: connection x: options\.key must be a column name/);
      expect(await bad({ options: { updatedAt: 'x; drop' } })).toMatch(/SS5166: .*options\.updatedAt: invalid SQL identifier/);
      expect(await bad({ timezone: 'Europe/Berlin' })).toMatch(/SS5166: .*daylight saving/);
      expect(await bad({ url: 'http://127.0.0.1:5432/test' })).toMatch(/SS5166: .*url must start with postgres:\/\/ or postgresql:\/\//);
      expect(await bad({ auth: { method: 'api-key' } })).toMatch(/SS5166: .*auth method "api-key" is not supported for postgresql/);
    } finally {
      await f.db.dispose();
    }
  });
});

describe('postgresql harness faults are the server’s own', () => {
  it('answers each injected fault with the real PostgreSQL signal', async () => {
    const h = await sqlHarness((await pgFixture()).db, 5432, Buffer.from('COMMIT\0'), 'customers');
    const item = (key: string) => [{ key, idempotencyKey: `${key}@1`, record: h.validRecord(key, 1) }];
    try {
      await h.connector.readChanges('customers', undefined, { limit: 1 });
      await h.setFaults({ next: ['error'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F1')))[0]).toMatchObject({ error: { vendorCode: '40001' } });
      await h.setFaults({ next: ['drop'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F2')))[0]).toMatchObject({ error: { code: 'SS5152', vendorCode: '57P01' } });
      await h.setFaults({ next: ['dropAfterWrite'] });
      expect((await h.connector.upsertBatch('customers', 'code', item('F3')))[0]).toMatchObject({ error: { code: 'SS5152', vendorCode: 'connection' } });
      expect(await h.effects('F3')).toMatchObject({ creates: 1 });
      const quick = h.withTimeout(200);
      await h.setFaults({ next: ['hang'] });
      await expect(quick.readChanges('customers', undefined, { limit: 1 })).rejects.toMatchObject({ error: { code: 'SS5153', vendorCode: expect.stringMatching(/^(57014|55P03)$/) } });
      await h.setFaults({});
    } finally {
      await h.close();
    }
  });

  convergesUnderRealFaults(async () => sqlHarness((await pgFixture()).db, 5432, Buffer.from('COMMIT\0'), 'customers'));
});
