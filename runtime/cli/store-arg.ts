/** `--store` for the operations commands: a SQLite file (default `.syncspec/state.db`) or a postgres:// URL. */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { CliIO } from '../../cli/io.ts';
import { DEFAULT_STORE_PATH, describeStore, isPostgresUrl, openStore } from '../inbox/open.ts';
import type { InboxStore } from '../inbox/store.ts';

export async function openStoreArg(location: string | undefined, io: CliIO): Promise<InboxStore | undefined> {
  const loc = location ?? io.env.SYNCSPEC_STORE ?? DEFAULT_STORE_PATH;
  if (!isPostgresUrl(loc)) {
    const path = isAbsolute(loc) ? loc : resolve(io.cwd, loc);
    if (!existsSync(path)) {
      io.stderr(`error SS5010: no state store at ${loc}\n  A worker creates it on first start; pass --store <file|postgres://…> to use another.\n`);
      return undefined;
    }
  }
  try {
    return await openStore(loc, io.cwd);
  } catch (err) {
    io.stderr(`error SS5010: cannot open state store ${describeStore(loc)}: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
}

export const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

/** Left-aligned columns, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
