import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { MysqlConnector, readMysqlCatalog, type MysqlConfig } from '../../connectors/mysql/connector.ts';
import { classifyMysqlError, enumValues } from '../../connectors/mysql/dialect.ts';
import { createConnector } from '../../connectors/shared/connection.ts';
import { connectorContract } from './contract.ts';
import { sqlHarness, type DbFixture } from './sql-harness.ts';

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

/** A database of its own per harness: `cx_my_<random>`, dropped afterwards. */
async function myFixture(): Promise<{ db: DbFixture; database: string; sql: mysql.Connection }> {
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
  await sql.query(`CREATE TRIGGER ${d}.cx_effect_upd AFTER UPDATE ON ${d}.customers FOR EACH ROW BEGIN IF @cx_seeding IS NULL THEN INSERT INTO cx_effects VALUES (NEW.code, 'UPDATE'); END IF; END`);
  // MyISAM is not transactional: the counter keeps its decrement when the failing statement rolls back.
  await sql.query(`CREATE TABLE ${d}.cx_fault_ctl (id INT PRIMARY KEY, remaining INT NOT NULL) ENGINE=MyISAM`);
  await sql.query(`INSERT INTO ${d}.cx_fault_ctl VALUES (1, 0)`);
  await sql.query(`CREATE TRIGGER ${d}.cx_fault BEFORE INSERT ON ${d}.customers FOR EACH ROW BEGIN
      IF @cx_seeding IS NULL AND (SELECT remaining FROM cx_fault_ctl WHERE id = 1) > 0 THEN
        UPDATE cx_fault_ctl SET remaining = remaining - 1 WHERE id = 1;
        SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'injected transient failure';
      END IF;
    END`);
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
      await sql.query(`DROP DATABASE ${d}`);
      await sql.end();
    },
  };
  return { db, database, sql };
}

connectorContract('mysql', async () => sqlHarness((await myFixture()).db, 3306, Buffer.from('\x03COMMIT', 'latin1'), 'customers'), { throttling: false });
