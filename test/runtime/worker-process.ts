/**
 * A worker as its own process, for the SIGTERM drain test: SQLite store at argv[2], generic HMAC webhook,
 * and a target whose upserts wait for a "release" line on stdin (so a batch is provably in flight).
 * Control lines go to stderr; pino logs go to stdout.
 */
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../../runtime/inbox/sqlite.ts';
import { createLogger } from '../../runtime/ops/log.ts';
import type { ItemResult, UpsertItem } from '../../runtime/support/connector.ts';
import { Worker } from '../../runtime/worker.ts';
import { accountTransform, makePlan, MemoryConnector } from './fixtures.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: worker-process.ts <state.db>');
const store = await openSqliteStore(path);
const target = new MemoryConnector();
const releases: (() => void)[] = [];
let released = false;
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim() === 'release') {
    released = true;
    for (const r of releases.splice(0)) r();
  }
});
const upsert = target.upsertBatch.bind(target);
target.upsertBatch = async (entity: string, key: string, items: readonly UpsertItem[]): Promise<ItemResult[]> => {
  process.stderr.write(`upsert-started ${items.length}\n`);
  if (!released) await new Promise<void>((r) => releases.push(r));
  return upsert(entity, key, items);
};
const worker = new Worker({
  specs: [{ plan: makePlan({ name: 'accounts', delivery: { mode: 'upsert', batchSize: 10, maxWaitMs: 5, retry: { attempts: 3, initialMs: 10, maxMs: 100 }, deadLetter: true } }), transform: accountTransform }],
  connectors: { crm: new MemoryConnector('salesforce'), erp: target },
  store,
  webhookSecrets: { crm: 'whsec' },
  log: createLogger({ destination: process.stdout as never }),
  delivery: { idleMs: 20 },
  drainTimeoutMs: 10_000,
});
await worker.start();
worker.installSignalHandlers((code) => {
  void store.close().then(() => process.exit(code));
});
process.stderr.write(`listening ${worker.url}\n`);
