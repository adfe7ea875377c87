/**
 * `npm run bench:connectors [-- --n 20000] [-- --concurrency 8]`
 *
 * Each connector against its emulator over real HTTP on this machine: N records upserted in batches of
 * the vendor maximum with `concurrency` batches in flight (idempotent paths included: Salesforce
 * Collections upsert, Kingdee look-up + BatchSave, Jiandaoyun look-up + batch_create), then one full
 * incremental read of the same N records. Prints records/second and peak RSS; asserts nothing.
 */
import { parseArgs } from 'node:util';
import { JiandaoyunConnector } from '../connectors/jiandaoyun/connector.ts';
import { DEFAULT_JDY_FORM, startJiandaoyunEmulator } from '../connectors/jiandaoyun/emulator/server.ts';
import { KingdeeConnector } from '../connectors/kingdee-k3cloud/connector.ts';
import { startKingdeeEmulator } from '../connectors/kingdee-k3cloud/emulator/server.ts';
import { SalesforceConnector } from '../connectors/salesforce/connector.ts';
import { startSalesforceEmulator } from '../connectors/salesforce/emulator/server.ts';
import type { Connector, UpsertItem } from '../runtime/support/connector.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '8' } } });
const N = Number(values.n);
const C = Number(values.concurrency);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(C) || C < 1) {
  process.stderr.write('--n and --concurrency must be positive integers\n');
  process.exit(2);
}

async function measure(name: string, c: Connector, entity: string, keyField: string, record: (key: string, i: number) => Record<string, unknown>, pageLimit: number): Promise<void> {
  const batches: UpsertItem[][] = [];
  for (let i = 0; i < N; i += c.maxBatchSize) {
    batches.push(
      Array.from({ length: Math.min(c.maxBatchSize, N - i) }, (_, j) => {
        const key = `K${String(i + j).padStart(8, '0')}`;
        return { key, idempotencyKey: `${key}@1`, record: record(key, i + j) };
      }),
    );
  }
  let next = 0;
  let notOk = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as UpsertItem[];
        notOk += (await c.upsertBatch(entity, keyField, batch)).filter((r) => r.status !== 'ok').length;
      }
    }),
  );
  const upsertS = (performance.now() - t0) / 1000;
  let read = 0;
  let token: string | undefined;
  const t1 = performance.now();
  do {
    const page = await c.readChanges(entity, undefined, token === undefined ? { limit: pageLimit } : { next: token, limit: pageLimit });
    read += page.records.length;
    token = page.next;
  } while (token !== undefined);
  const readS = (performance.now() - t1) / 1000;
  process.stdout.write(
    `${name.padEnd(16)} upsert ${N} in ${upsertS.toFixed(2)} s = ${Math.round(N / upsertS)} rec/s (batch ${c.maxBatchSize}, ${C} in flight, ${notOk} not ok); ` +
      `readChanges ${read} in ${readS.toFixed(2)} s = ${Math.round(read / readS)} rec/s\n`,
  );
}

const sf = await startSalesforceEmulator();
const sfc = new SalesforceConnector({ loginUrl: sf.url, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' } });
await measure('salesforce', sfc, 'Account', 'AccountNumber', (k) => ({ Name: `客户 ${k}`, BillingCity: '上海' }), 2000);
await sfc.close();
await sf.close();

const kd = await startKingdeeEmulator();
const kdc = new KingdeeConnector({ serverUrl: kd.serverUrl, acctId: kd.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' } });
await measure('kingdee-k3cloud', kdc, 'BD_Customer', 'FNumber', (k) => ({ FName: `客户 ${k}`, FTRADINGCURRID: { FNumber: 'PRE001' } }), 2000);
await kdc.close();
await kd.close();

const jdy = await startJiandaoyunEmulator();
const jdyc = new JiandaoyunConnector({ baseUrl: jdy.apiBase, apiKey: 'jdy-test-api-key', forms: { customers: DEFAULT_JDY_FORM } });
await measure('jiandaoyun', jdyc, 'customers', '_widget_1001', (k, i) => ({ _widget_1002: `客户 ${k}`, _widget_1004: i }), 100);
await jdyc.close();
await jdy.close();

process.stdout.write(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB (all three emulators and connectors in one process)\n`);
