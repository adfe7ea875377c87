/**
 * `syncspec cursor show|set|reset <spec>` — inspect and move a poll cursor. Every move is recorded
 * (who, when, from, to, why) and shown by `show`.
 *   show  <spec> [--history n] [--json]
 *   set   <spec> <timestamp[,id]> --reason "…"
 *   reset <spec> --reason "…"        (next poll reads from the beginning; the dedupe drops what was seen)
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { parsePosition } from '../poll/position.ts';
import type { CursorPosition } from '../support/connector.ts';
import { iso, openStoreArg, table } from './store-arg.ts';

const USAGE = 'usage: syncspec cursor show <spec> [--history n] [--json] | set <spec> <timestamp[,id]> --reason <why> | reset <spec> --reason <why>  [--store <file|postgres://…>] [--who <name>]\n';

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        reason: { type: 'string' },
        who: { type: 'string' },
        history: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.stderr(`syncspec cursor: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const [sub, spec, positionText, ...extra] = positionals;
  const arity = sub === 'set' ? 3 : 2;
  if ((sub !== 'show' && sub !== 'set' && sub !== 'reset') || spec === undefined || positionals.length !== arity || extra.length > 0) {
    io.stderr(USAGE);
    return EXIT_USAGE;
  }
  let to: CursorPosition | undefined;
  if (sub === 'set') {
    to = parsePosition(positionText ?? '');
    if (!to) {
      io.stderr(`error SS5081: "${positionText}" is not a cursor position\n  Use an ISO-8601 timestamp, optionally ",<record id>", e.g. 2026-03-01T00:00:00Z,001xx0000001\n`);
      return EXIT_USAGE;
    }
  }
  if (sub !== 'show' && (values.reason === undefined || values.reason.trim() === '')) {
    io.stderr(`syncspec cursor ${sub}: --reason is required (it is recorded with the move)\n`);
    return EXIT_USAGE;
  }
  const historyN = values.history === undefined ? 10 : Number(values.history);
  if (!Number.isSafeInteger(historyN) || historyN < 0) {
    io.stderr('syncspec cursor: --history must be a non-negative integer\n');
    return EXIT_USAGE;
  }
  const store = await openStoreArg(values.store, io);
  if (!store) return EXIT_USAGE;
  try {
    if (sub === 'show') {
      const c = await store.getCursor(spec);
      const history = await store.cursorHistory(spec, historyN);
      if (values.json) {
        io.stdout(`${JSON.stringify({ spec, position: c.position ?? null, updatedAt: c.updatedAt ?? null, history }, null, 2)}\n`);
        return EXIT_OK;
      }
      io.stdout(`cursor of ${spec}: ${fmt(c.position)}${c.updatedAt !== undefined ? `  (moved ${iso(c.updatedAt)})` : ''}\n`);
      if (history.length > 0) {
        io.stdout(`\n${table(['WHEN', 'WHO', 'FROM', 'TO', 'WHY'], history.map((h) => [iso(h.at), h.who, fmt(h.from), fmt(h.to), h.why]))}`);
      }
      return EXIT_OK;
    }
    const who = `cli:${values.who ?? io.env.USER ?? safeUser()}`;
    const move = await store.moveCursor(spec, to, who, (values.reason as string).trim(), Date.now());
    io.stdout(`SS5042 cursor of ${spec} moved: ${fmt(move.from)} → ${fmt(move.to)} (by ${who})\n`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

const fmt = (p: CursorPosition | undefined): string => (p ? (p.id ? `${p.at},${p.id}` : p.at) : '(start)');

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
