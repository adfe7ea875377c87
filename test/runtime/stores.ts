/**
 * Store factories for tests: a fresh SQLite file in a temp dir, or a fresh PostgreSQL schema
 * (`rt_test_<random>`) on the machine's server, dropped afterwards. PostgreSQL being down is a failure
 * that names it, never a skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresInboxStore } from '../../runtime/inbox/postgres.ts';
import { SqliteInboxStore } from '../../runtime/inbox/sqlite.ts';
import type { InboxStore } from '../../runtime/inbox/store.ts';

export const PG_URL = process.env.SYNCSPEC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore<S extends InboxStore = InboxStore> {
  store: S;
  /** Where a second process / store instance can open the same data. */
  location: string;
  /** Opens another handle onto the same data (another "worker process"). */
  reopen(): Promise<S>;
  dispose(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export async function assertPostgresUp(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL} (${err instanceof Error ? err.message : String(err)}); start it (see scripts) and re-run`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function sqliteTestStore(options: { migrate?: boolean; upTo?: number } = {}): Promise<TestStore<SqliteInboxStore>> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-store-'));
  const path = join(dir, 'state.db');
  const store = new SqliteInboxStore(path, { synchronous: 'NORMAL' });
  if (options.migrate !== false) await store.migrate(options.upTo);
  const others: SqliteInboxStore[] = [];
  return {
    store,
    location: path,
    async reopen() {
      const s = new SqliteInboxStore(path, { synchronous: 'NORMAL' });
      others.push(s);
      return s;
    },
    async dispose() {
      for (const s of [store, ...others]) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresTestStore(options: { migrate?: boolean; upTo?: number } = {}): Promise<TestStore<PostgresInboxStore>> {
  await assertPostgresUp();
  const schema = `rt_test_${randomBytes(6).toString('hex')}`;
  const store = new PostgresInboxStore({ connectionString: PG_URL, schema, poolSize: 4 });
  if (options.migrate !== false) await store.migrate(options.upTo);
  const others: PostgresInboxStore[] = [];
  return {
    store,
    location: `${PG_URL}?schema=${schema}`,
    async reopen() {
      const s = new PostgresInboxStore({ connectionString: PG_URL, schema, poolSize: 4 });
      others.push(s);
      return s;
    },
    async dispose() {
      for (const s of [store, ...others]) await s.close().catch(() => undefined);
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export function testStore(kind: StoreKind, options: { migrate?: boolean; upTo?: number } = {}): Promise<TestStore> {
  return kind === 'sqlite' ? sqliteTestStore(options) : postgresTestStore(options);
}
