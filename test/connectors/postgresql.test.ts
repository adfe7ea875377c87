import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresConnector, readPostgresCatalog, type PostgresConfig } from '../../connectors/postgresql/connector.ts';
import { classifyPostgresError } from '../../connectors/postgresql/dialect.ts';
import { createConnector } from '../../connectors/shared/connection.ts';
import { connectorContract } from './contract.ts';
import { sqlHarness, type DbFixture } from './sql-harness.ts';

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
async function pgFixture(): Promise<{ db: DbFixture; schema: string; app: string; sql: pg.Client }> {
  const sql = await admin();
  const schema = `cx_pg_${randomBytes(5).toString('hex')}`;
  const app = schema;
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
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await sql.end();
    },
  };
  return { db, schema, app, sql };
}

connectorContract('postgresql', async () => sqlHarness((await pgFixture()).db, 5432, Buffer.from('COMMIT\0'), 'customers'), { throttling: false });
