/**
 * A worker process for the kill-and-restart test: store at argv[2] (SQLite path or postgres:// URL),
 * Kingdee emulator at argv[3] (service root) with account argv[4], lease owner argv[5].
 * Records arrive through the generic HMAC webhook (secret "whsec"); logs go to stdout.
 */
import { KingdeeConnector } from '../../connectors/kingdee-k3cloud/connector.ts';
import { openStore } from '../../runtime/inbox/open.ts';
import { createLogger } from '../../runtime/ops/log.ts';
import { Worker } from '../../runtime/worker.ts';
import { makePlan, MemoryConnector } from './fixtures.ts';

const [location, serverUrl, acctId, owner] = process.argv.slice(2);
if (!location || !serverUrl || !acctId || !owner) throw new Error('usage: worker-kingdee-process.ts <store> <kingdee url> <acct> <owner>');
const store = await openStore(location, process.cwd());
const target = new KingdeeConnector({ serverUrl, acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' }, timeoutMs: 5000 });
const worker = new Worker({
  specs: [
    {
      plan: makePlan({
        name: 'accounts',
        target: { connection: 'erp', system: 'kingdee-k3cloud', entity: 'BD_Customer', key: 'FNumber' },
        delivery: { mode: 'upsert', batchSize: 20, maxWaitMs: 10, retry: { attempts: 10, initialMs: 50, maxMs: 500 }, deadLetter: true },
      }),
      transform: {
        filter: () => true,
        transform: (s) => ({ ok: true, value: { FNumber: s.Id, FName: s.Name, FCreateOrgId: { FNumber: '100' }, FTRADINGCURRID: { FNumber: 'PRE001' } } }),
      },
    },
  ],
  connectors: { crm: new MemoryConnector('salesforce'), erp: target },
  store,
  owner,
  webhookSecrets: { crm: 'whsec' },
  log: createLogger({ destination: process.stdout as never }),
  delivery: { idleMs: 20, leaseMs: 60_000 },
});
await worker.start();
worker.installSignalHandlers((code) => void store.close().then(() => process.exit(code)));
process.stderr.write(`listening ${worker.url}\n`);
