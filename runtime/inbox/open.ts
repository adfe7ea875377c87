/** Opens the store a `--store` argument or worker config names: a `postgres://` URL or a SQLite file path. */
import { isAbsolute, resolve } from 'node:path';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { InboxStore } from './store.ts';

export const DEFAULT_STORE_PATH = '.syncspec/state.db';

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//.test(s);
}

/** `postgres://…?schema=name` picks the schema; the parameter is removed before `pg` sees the URL. */
export async function openStore(location: string, cwd: string, onPoolError?: (err: Error) => void): Promise<InboxStore> {
  if (isPostgresUrl(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return openPostgresStore({
      connectionString: url.toString(),
      ...(schema !== undefined ? { schema } : {}),
      ...(onPoolError ? { onPoolError } : {}),
    });
  }
  return openSqliteStore(isAbsolute(location) ? location : resolve(cwd, location));
}

/** The URL with any password replaced, for logs and messages. */
export function describeStore(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const url = new URL(location);
  if (url.password) url.password = 'redacted';
  return url.toString();
}
