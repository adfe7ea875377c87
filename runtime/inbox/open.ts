/** Opens the store a `--store` argument or worker config names: a `postgres://` URL or a SQLite file path. */
import { isAbsolute, resolve } from 'node:path';
import { PostgresInboxStore } from './postgres.ts';
import { SqliteInboxStore } from './sqlite.ts';
import type { InboxStore } from './store.ts';

export const DEFAULT_STORE_PATH = '.syncspec/state.db';

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//.test(s);
}

export interface OpenStoreHooks {
  onPoolError?: (err: Error) => void;
  /** Called with the migration versions applied while opening (SS5011), when there were any. */
  onMigrated?: (versions: number[]) => void;
}

/**
 * Opens and migrates a store. `postgres://…?schema=name` picks the schema; the parameter is removed
 * before `pg` sees the URL.
 */
export async function openStore(location: string, cwd: string, hooks: OpenStoreHooks = {}): Promise<InboxStore> {
  let store: InboxStore;
  if (isPostgresUrl(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    store = new PostgresInboxStore({
      connectionString: url.toString(),
      ...(schema !== undefined ? { schema } : {}),
      ...(hooks.onPoolError ? { onPoolError: hooks.onPoolError } : {}),
    });
  } else {
    store = new SqliteInboxStore(isAbsolute(location) ? location : resolve(cwd, location));
  }
  try {
    const applied = await store.migrate();
    if (applied.length > 0) hooks.onMigrated?.(applied);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** The hooks a worker passes: pool errors and applied migrations as coded log lines. */
export function loggingHooks(log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void }, location: string): OpenStoreHooks {
  return {
    onPoolError: (err) => log.warn({ code: 'SS5007', store: describeStore(location), err: err.message }, 'store connection failed; the pool reconnects'),
    onMigrated: (versions) => log.info({ code: 'SS5011', store: describeStore(location), versions }, 'store schema migrated'),
  };
}

/** The URL with any password replaced, for logs and messages. */
export function describeStore(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const url = new URL(location);
  if (url.password) url.password = 'redacted';
  return url.toString();
}
