/**
 * `syncspec dlq list|show|replay` — the dead-letter queue of a worker's store.
 *   list   [--spec <name>] [--all] [--limit n] [--json]
 *   show   <id> [--json]
 *   replay <id…> | --spec <name>     puts the events back into the inbox (the worker delivers them again)
 */
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import type { DeadLetter } from '../inbox/store.ts';
import { iso, openStoreArg, table } from './store-arg.ts';

const USAGE = 'usage: syncspec dlq list [--spec s] [--all] [--limit n] [--json] | show <id> [--json] | replay <id…> | replay --spec <s>  [--store <file|postgres://…>]\n';

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        spec: { type: 'string' },
        all: { type: 'boolean', default: false },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.stderr(`syncspec dlq: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (sub !== 'list' && sub !== 'show' && sub !== 'replay') {
    io.stderr(USAGE);
    return EXIT_USAGE;
  }
  const ids = rest.map((r) => Number(r));
  if (ids.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
    io.stderr(`syncspec dlq: ids are positive integers, got ${rest.join(' ')}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if ((sub === 'show' && ids.length !== 1) || (sub === 'replay' && ids.length === 0 && values.spec === undefined)) {
    io.stderr(USAGE);
    return EXIT_USAGE;
  }
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    io.stderr(`syncspec dlq: --limit must be a positive integer\n`);
    return EXIT_USAGE;
  }
  const store = await openStoreArg(values.store, io);
  if (!store) return EXIT_USAGE;
  try {
    if (sub === 'list') {
      const entries = await store.listDeadLetters({ ...(values.spec !== undefined ? { spec: values.spec } : {}), includeReplayed: values.all, limit });
      if (values.json) io.stdout(`${JSON.stringify(entries.map(summary), null, 2)}\n`);
      else if (entries.length === 0) io.stdout('dead-letter queue is empty\n');
      else
        io.stdout(
          table(
            ['ID', 'SPEC', 'SOURCE ID', 'VERSION', 'CLASS', 'CODE', 'REPLAYED', 'REASON'],
            entries.map((d) => [String(d.id), d.spec, d.sourceId, d.sourceVersion, d.class, d.code, d.replayedAt ? 'yes' : 'no', oneLine(d.reason, 100)]),
          ),
        );
      return EXIT_OK;
    }
    if (sub === 'show') {
      const d = await store.getDeadLetter(ids[0] as number);
      if (!d) {
        io.stderr(`error SS5080: dead letter ${ids[0]} not found\n`);
        return EXIT_PROBLEMS;
      }
      if (values.json) io.stdout(`${JSON.stringify(d, null, 2)}\n`);
      else io.stdout(renderOne(d));
      return EXIT_OK;
    }
    const targets = ids.length > 0 ? ids : (await store.listDeadLetters({ spec: values.spec as string, limit: 1_000_000 })).map((d) => d.id);
    const notReplayable: number[] = [];
    const eligible: number[] = [];
    for (const id of targets) {
      const d = await store.getDeadLetter(id);
      if (!d || d.replayedAt !== undefined) continue;
      if (d.eventId === 0) notReplayable.push(id);
      else eligible.push(id);
    }
    const replayed = await store.replayDeadLetters(eligible, Date.now());
    const missing = targets.filter((id) => !replayed.includes(id) && !notReplayable.includes(id));
    if (replayed.length > 0) io.stdout(`replayed ${replayed.length} dead letter(s): ${replayed.join(', ')}\n`);
    else io.stdout('nothing replayed\n');
    for (const id of notReplayable) io.stderr(`warning SS5060: dead letter ${id} is an undecodable queue message with no inbox event; fix and re-publish it\n`);
    for (const id of missing) io.stderr(`error SS5080: dead letter ${id} not found or already replayed\n`);
    return missing.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
  } finally {
    await store.close();
  }
}

function summary(d: DeadLetter) {
  return { id: d.id, spec: d.spec, sourceId: d.sourceId, sourceVersion: d.sourceVersion, class: d.class, code: d.code, reason: d.reason, at: d.at, replayed: d.replayedAt !== undefined };
}

const oneLine = (s: string, max: number): string => {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function renderOne(d: DeadLetter): string {
  return [
    `dead letter ${d.id}  (${d.code}, ${d.class})`,
    `  spec:     ${d.spec}`,
    `  source:   ${d.sourceId} @ ${d.sourceVersion}`,
    `  reason:   ${d.reason}`,
    ...(d.at ? [`  at:       ${d.at}`] : []),
    `  created:  ${iso(d.createdAt)}`,
    `  replayed: ${d.replayedAt === undefined ? 'no' : iso(d.replayedAt)}`,
    '  errors:',
    ...d.errors.map((e) => `    - ${JSON.stringify(e)}`),
    '  input:',
    ...JSON.stringify(d.input, null, 2).split('\n').map((l) => `    ${l}`),
    '',
  ].join('\n');
}
