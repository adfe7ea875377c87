/**
 * `syncspec demo`, the flow itself: a Salesforce and a Kingdee emulator on 127.0.0.1, the example specs
 * `crm-account-to-erp-customer` (webhook: Salesforce Outbound Messages) and `crm-order-to-erp-sales-order`
 * (poll: SOQL by SystemModstamp) compiled from `specs/` with their connections pointed at the emulators,
 * one worker with the embedded SQLite store, then the check that what arrived is exactly what should have.
 */
import { join } from 'node:path';
import pino from 'pino';
import { PACKAGE_ROOT } from '../../compiler/cli/repo.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import type { DeadLetter } from '../inbox/store.ts';
import { createLogger } from '../ops/log.ts';
import { loadProject, type Project } from '../project.ts';
import { Worker } from '../worker.ts';
import { systemClock } from '../clock.ts';
import type { ReconcileCounts } from '../reconcile/types.ts';
import { collectRepair, enqueueRepair, reconcileSpec, repairIds, writeReports } from '../reconcile/run.ts';
import type { Progress } from './progress.ts';
import { exampleKingdeeForms, exampleSalesforceObjects } from './example-systems.ts';
import { demoData, DEMO_SEED, type DemoData, type Expected } from './seed.ts';
import { latencyQuantiles, settledCount } from './metrics.ts';

export const ACCOUNT_SPEC = 'crm-account-to-erp-customer';
export const ORDER_SPEC = 'crm-order-to-erp-sales-order';

export interface DemoOptions {
  records: number;
  seed?: number;
  /** Holds the SQLite store, the build of the transforms and the worker log. */
  workDir: string;
  progress: Progress;
  /** Monotonic milliseconds, for the phase timings. */
  now?: () => number;
}

export interface SpecOutcome {
  spec: string;
  entity: string;
  sent: number;
  synced: number;
  filtered: number;
  deadLettered: number;
  /** Seconds, from the worker's end-to-end latency histogram (inbox → confirmed by Kingdee). */
  p50: number | undefined;
  p99: number | undefined;
  /** Kingdee write effects: keys written, keys created more than once, keys updated. */
  keys: number;
  duplicateCreates: number;
  updates: number;
  seconds: number;
}

export interface DemoReport {
  records: number;
  seed: number;
  specs: SpecOutcome[];
  deadLetters: { spec: string; sourceId: string; class: string; code: string; reason: string }[];
  /** Records with quotes, emoji, markup or newlines whose Kingdee copy equals the mapped value. */
  awkwardIntact: { checked: number; intact: number };
  redelivery: { webhooks: number; polled: number; newWrites: number };
  /** Every difference from the expected outcome (empty when the demo passed). */
  problems: string[];
  /** The consistency check after people edited Kingdee by hand: before and after `--repair`. */
  reconcile?: { spec: string; before: ReconcileCounts; after: ReconcileCounts; repaired: number; html: string };
  urls: { metrics: string; health: string; salesforce: string; kingdee: string };
  store: string;
  log: string;
  seconds: number;
}

export interface RunningDemo {
  report: DemoReport;
  stop(): Promise<void>;
}

/** Runs the demo end to end; resolves with the report while everything is still up (`stop()` ends it). */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const seed = options.seed ?? DEMO_SEED;
  const progress = options.progress;
  const data = demoData(options.records, seed);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    progress.phase('emulators', 'starting the Salesforce and Kingdee emulators');
    const { sf, kd } = await startEmulators(data);
    cleanups.push(() => sf.close(), () => kd.close());
    progress.done(`Salesforce ${sf.url}, Kingdee ${kd.serverUrl}`);

    progress.phase('compile', 'compiling the two example specs from specs/');
    const storePath = join(options.workDir, 'state.db');
    const project = await loadProject({
      repo: 'specs',
      cwd: PACKAGE_ROOT,
      specs: [ACCOUNT_SPEC, ORDER_SPEC],
      buildDir: join(options.workDir, 'build'),
      store: storePath,
      overrides: emulatorOverrides(sf, kd),
      env: DEMO_SECRETS,
    });
    cleanups.push(() => project.close());
    progress.done(`${project.specs.map((s) => s.plan.name).join(', ')}`);

    const logPath = join(options.workDir, 'worker.log');
    const { skipped: _none, ...setup } = await project.workerOptions();
    const worker = new Worker({ ...setup, log: createLogger({ level: 'info', destination: pino.destination({ dest: logPath, sync: false, mkdir: true }) }), http: { host: '127.0.0.1', port: 0 }, delivery: { idleMs: 25 } });
    await worker.start();
    cleanups.push(async () => void (await worker.stop()));
    const hook = `${worker.url}/hooks/${ACCOUNT_SPEC}`;

    // Customers: seeded in Salesforce, pushed to the worker as Outbound Messages (100 per SOAP message).
    const t0 = now();
    progress.phase('customers', `${data.accounts.length} accounts → BD_Customer (Outbound Messages)`);
    const accounts = sf.admin.seed('Account', data.accounts.map((a) => a.fields));
    await sf.admin.sendOutbound({ url: hook, type: 'Account', perMessage: 100 });
    const stalls: string[] = [];
    const stalled = (problem: string | undefined): void => void (problem && stalls.push(problem));
    stalled(await waitSettled(worker, ACCOUNT_SPEC, accounts.length, progress, now));
    const accountSeconds = (now() - t0) / 1000;
    progress.done(`${accounts.length} accounts settled in ${accountSeconds.toFixed(1)} s`);

    // Orders: seeded with their lines, read by the spec's poll trigger (SOQL by SystemModstamp, paged to the end).
    const t1 = now();
    progress.phase('orders', `${data.orders.length} orders → SAL_SaleOrder (SOQL poll)`);
    const products = new Map(sf.admin.seed('Product2', data.products.concat([{ code: data.missingProduct, name: '停产物料' }]).map((p) => ({ Name: p.name, ProductCode: p.code, IsActive: true }))).map((p) => [p.ProductCode as string, p.Id]));
    const orders = sf.admin.seed('Order', data.orders.map((o) => ({ ...o.fields, AccountId: (accounts[o.account] as { Id: string }).Id })));
    sf.admin.seed('OrderItem', data.orders.flatMap((o, j) => o.items.map((item, k) => ({ ...item, OrderId: (orders[j] as { Id: string }).Id, Product2Id: products.get(o.productCodes[k] as string) }))));
    const poller = worker.poller(ORDER_SPEC);
    if (!poller) throw new Error(`worker did not start ${ORDER_SPEC}`);
    await poller.pollOnce();
    stalled(await waitSettled(worker, ORDER_SPEC, orders.length, progress, now));
    const orderSeconds = (now() - t1) / 1000;
    progress.done(`${orders.length} orders settled in ${orderSeconds.toFixed(1)} s`);

    // Everything again: every Outbound Message twice and out of order, and a full re-poll. Nothing may be written.
    progress.phase('redelivery', 'all webhooks twice, reordered; a full re-poll');
    const writesBefore = totalWrites(kd);
    const reports = await sf.admin.sendOutbound({ url: hook, type: 'Account', perMessage: 100, duplicate: true, reorder: true });
    await project.store!.moveCursor(ORDER_SPEC, undefined, 'syncspec demo', 're-poll everything to show the dedupe', Date.now());
    const repoll = await poller.pollOnce();
    stalled(await waitDrained(project, now));
    const newWrites = totalWrites(kd) - writesBefore;
    progress.done(`${reports.length} webhook deliveries and ${repoll.read} re-polled orders: ${newWrites} new writes`);

    const report = await buildReport({ data, seed, sf, kd, project, worker, accounts, orders, storePath, logPath, accountSeconds, orderSeconds });
    report.redelivery = { webhooks: reports.length, polled: repoll.read, newWrites };
    report.problems.unshift(...stalls);
    if (newWrites !== 0) report.problems.push(`redelivery wrote ${newWrites} record(s) again; duplicates must not reach Kingdee`);
    report.reconcile = await reconcilePhase({ project, worker, kd, workDir: options.workDir, progress, now, report });
    report.seconds = (now() - started) / 1000;
    return { report, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Fixed demo credentials: the emulators' defaults, handed to the connectors as environment references. */
const DEMO_SECRETS = { DEMO_SF_CLIENT_ID: 'syncspec-client', DEMO_SF_CLIENT_SECRET: 'syncspec-secret', DEMO_KD_PASSWORD: 'kingdee@123' };

function emulatorOverrides(sf: SalesforceEmulator, kd: KingdeeEmulator) {
  return {
    'salesforce-prod': {
      url: sf.url,
      auth: { method: 'oauth2-client-credentials', clientId: { env: 'DEMO_SF_CLIENT_ID' }, clientSecret: { env: 'DEMO_SF_CLIENT_SECRET' } },
      // Order lines are read with their order (a SOQL sub-query); the Connection in specs/ names no children.
      options: { organizationId: sf.organizationId, children: { Order: { OrderItems: ['Product2Id', 'Product2.ProductCode', 'Quantity', 'UnitPrice', 'Unit__c'] } } },
    },
    'kingdee-prod': {
      url: kd.serverUrl,
      auth: { method: 'password', acctId: kd.acctId, username: 'syncspec', password: { env: 'DEMO_KD_PASSWORD' } },
      // Customers belong to their region's organisation, so look-ups must not be narrowed to one.
      options: { useOrgNumber: undefined },
    },
  };
}

async function startEmulators(data: DemoData): Promise<{ sf: SalesforceEmulator; kd: KingdeeEmulator }> {
  const sf = await startSalesforceEmulator({ port: 0, objects: exampleSalesforceObjects });
  try {
    const kd = await startKingdeeEmulator({
      port: 0,
      forms: exampleKingdeeForms,
      seed: {
        ORG_Organizations: [{ FNumber: '102', FName: '华南销售公司' }, { FNumber: '103', FName: '华北销售公司' }, { FNumber: '104', FName: '西南销售公司' }, { FNumber: '190', FName: '海外事业部' }],
        // No PRE003 (EUR): accounts billed in euros are rejected by Kingdee, on purpose.
        BD_Currency: [{ FNumber: 'PRE002', FName: '港币' }],
        BD_UNIT: [{ FNumber: 'Box', FName: '箱' }, { FNumber: 'Set', FName: '套' }],
        BD_MATERIAL: data.products.map((p) => ({ FNumber: p.code, FName: p.name })),
      },
    });
    return { sf, kd };
  } catch (err) {
    await sf.close();
    throw err;
  }
}

/** Without progress for this long the demo stops waiting and reports what is missing instead of hanging. */
const STALL_MS = 30_000;

/** Waits until `total` records of a spec have settled; returns a problem when progress stalls. */
async function waitSettled(worker: Worker, spec: string, total: number, progress: Progress, now: () => number): Promise<string | undefined> {
  let last = -1;
  let since = now();
  for (;;) {
    const done = await settledCount(worker.metrics, spec);
    progress.update(Math.min(done, total), total);
    if (done >= total) return undefined;
    if (done !== last) [last, since] = [done, now()];
    else if (now() - since > STALL_MS) return `${spec}: only ${done} of ${total} records settled; no progress for ${STALL_MS / 1000} s (see the worker log)`;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitDrained(project: Project, now: () => number): Promise<string | undefined> {
  const since = now();
  for (;;) {
    const depth = await project.store!.depth();
    if (Object.values(depth).every((n) => n === 0)) return undefined;
    if (now() - since > STALL_MS) return `the inbox still holds ${JSON.stringify(depth)} after ${STALL_MS / 1000} s`;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const totalWrites = (kd: KingdeeEmulator): number => kd.admin.effects().reduce((n, e) => n + e.creates + e.updates + e.deletes, 0);

async function buildReport(c: {
  data: DemoData;
  seed: number;
  sf: SalesforceEmulator;
  kd: KingdeeEmulator;
  project: Project;
  worker: Worker;
  accounts: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  storePath: string;
  logPath: string;
  accountSeconds: number;
  orderSeconds: number;
}): Promise<DemoReport> {
  const problems: string[] = [];
  const dlq: DeadLetter[] = await c.project.store!.listDeadLetters({});
  const idOf = (r: Record<string, unknown>): string => String(r.Id);

  const expectAccounts = c.data.accounts.map((a, i) => ({ id: idOf(c.accounts[i]!), key: a.number, expected: a.expected }));
  const expectOrders = c.data.orders.map((o, j) => ({ id: idOf(c.orders[j]!), key: String(c.orders[j]!.OrderNumber), expected: o.expected }));
  const specs = [
    await outcome(ACCOUNT_SPEC, 'BD_Customer', expectAccounts, c.accountSeconds),
    await outcome(ORDER_SPEC, 'SAL_SaleOrder', expectOrders, c.orderSeconds),
  ];

  async function outcome(spec: string, entity: string, expected: { id: string; key: string | undefined; expected: Expected }[], seconds: number): Promise<SpecOutcome> {
    const effects = c.kd.admin.effects(entity);
    const written = new Map(effects.map((e) => [e.key, e]));
    const want = expected.filter((e) => e.expected.outcome === 'synced').map((e) => e.key as string);
    const wantSet = new Set(want);
    const missing = want.filter((k) => !written.has(k));
    const extra = [...written.keys()].filter((k) => !wantSet.has(k));
    const duplicateCreates = effects.filter((e) => e.creates > 1).length;
    const updates = effects.filter((e) => e.updates > 0).length;
    if (missing.length > 0) problems.push(`${spec}: ${missing.length} record(s) missing in Kingdee ${entity}: ${missing.slice(0, 5).join(', ')}`);
    if (extra.length > 0) problems.push(`${spec}: ${extra.length} unexpected record(s) in Kingdee ${entity}: ${extra.slice(0, 5).join(', ')}`);
    if (duplicateCreates > 0) problems.push(`${spec}: ${duplicateCreates} key(s) created more than once in ${entity}`);
    if (updates > 0) problems.push(`${spec}: ${updates} key(s) written again in ${entity}; each record was sent once`);
    const mine = dlq.filter((d) => d.spec === spec);
    const bad = expected.filter((e) => e.expected.outcome === 'dead-lettered');
    for (const b of bad) {
      const entry = mine.find((d) => d.sourceId === b.id);
      const cls = b.expected.outcome === 'dead-lettered' ? b.expected.class : '';
      if (!entry) problems.push(`${spec}: ${b.id} should be in the dead-letter queue (${cls}) and is not`);
      else if (entry.class !== cls) problems.push(`${spec}: ${b.id} is dead-lettered as ${entry.class}, expected ${cls}`);
    }
    const badIds = new Set(bad.map((b) => b.id));
    for (const d of mine) if (!badIds.has(d.sourceId)) problems.push(`${spec}: ${d.sourceId} was dead-lettered unexpectedly: ${d.reason}`);
    const q = await latencyQuantiles(c.worker.metrics, spec, [0.5, 0.99]);
    return {
      spec,
      entity,
      sent: expected.length,
      synced: want.length - missing.length,
      filtered: expected.filter((e) => e.expected.outcome === 'filtered').length,
      deadLettered: mine.length,
      p50: q[0],
      p99: q[1],
      keys: effects.length,
      duplicateCreates,
      updates,
      seconds,
    };
  }

  // The awkward names must arrive exactly as the mapping makes them (trimmed), byte for byte.
  const customers = new Map(c.kd.admin.records('BD_Customer').map((r) => [String(r.FNumber), r]));
  let checked = 0;
  let intact = 0;
  c.data.accounts.forEach((a) => {
    const name = String(a.fields.Name);
    if (a.expected.outcome !== 'synced' || !/["'<>&\n\\]|\p{Extended_Pictographic}/u.test(name)) return;
    checked++;
    if (customers.get(a.number as string)?.FName === name.trim()) intact++;
    else problems.push(`${ACCOUNT_SPEC}: ${a.number} arrived as ${JSON.stringify(customers.get(a.number as string)?.FName)}, expected ${JSON.stringify(name.trim())}`);
  });

  return {
    records: c.data.accounts.length,
    seed: c.seed,
    specs,
    // By spec and source id, not by arrival: batches settle in a timing-dependent order.
    deadLetters: dlq
      .map((d) => ({ spec: d.spec, sourceId: d.sourceId, class: d.class, code: d.code, reason: d.reason }))
      .sort((a, b) => (a.spec === b.spec ? (a.sourceId < b.sourceId ? -1 : 1) : a.spec < b.spec ? -1 : 1)),
    awkwardIntact: { checked, intact },
    redelivery: { webhooks: 0, polled: 0, newWrites: 0 },
    problems,
    urls: { metrics: `${c.worker.url}/metrics`, health: `${c.worker.url}/healthz`, salesforce: c.sf.url, kingdee: `${c.kd.serverUrl}` },
    store: c.storePath,
    log: c.logPath,
    seconds: 0,
  };
}

/**
 * The consistency check (数据一致性校验) as a team runs it after go-live: someone renames a customer in
 * the Kingdee client and keys one in by hand; `syncspec reconcile` finds both (and the records Kingdee
 * rejected, still missing), `--repair` re-sends what is missing or different through the worker, and a
 * second run shows what is left: only what a repair cannot fix (rejected, unmappable, hand-keyed).
 */
async function reconcilePhase(c: {
  project: Project;
  worker: Worker;
  kd: KingdeeEmulator;
  workDir: string;
  progress: Progress;
  now: () => number;
  report: DemoReport;
}): Promise<NonNullable<DemoReport['reconcile']>> {
  const { project, worker, kd, progress } = c;
  const spec = project.specs.find((s) => s.plan.name === ACCOUNT_SPEC);
  const catalog = project.catalogs.catalogFor('kingdee-k3cloud');
  const targetEntity = catalog?.entities.BD_Customer;
  if (!spec || !catalog || !targetEntity) throw new Error('the demo needs the Kingdee BD_Customer catalog entity');
  const options = await project.workerOptions();
  const input = {
    plan: spec.plan, transform: spec.transform, store: options.store, lookups: options.lookups ?? {}, targetEntity,
    source: options.connectors[spec.plan.source.connection]!, target: options.connectors[spec.plan.target.connection]!,
    resolveEntity: (name: string) => catalog.entities[name], targetZone: catalog.timezone ?? 'UTC',
  };
  progress.phase('reconcile', 'consistency check after a rename and a hand-keyed customer in the Kingdee client');
  const renamed = kd.admin.records('BD_Customer')[0] as { FNumber: string; FName: string } | undefined;
  if (renamed) kd.admin.mutate('BD_Customer', renamed.FNumber, { FName: `${renamed.FName}（手工改名）` });
  kd.admin.seed('BD_Customer', [{ FNumber: 'MANUAL-0001', FName: '门店手工录入客户', FCreateOrgId: { FNumber: '100' }, FUseOrgId: { FNumber: '100' } }]);
  const before = await reconcileSpec(input);
  const files = writeReports(before, join(c.workDir, 'reports'));
  const { records } = await collectRepair(input, repairIds(before));
  await enqueueRepair(options.store, ACCOUNT_SPEC, records, 'demo', systemClock);
  worker.deliverer(ACCOUNT_SPEC)?.wake();
  const stall = await waitDrained(project, c.now);
  if (stall) c.report.problems.push(stall);
  const after = await reconcileSpec(input);
  const b = before.summary.counts;
  const a = after.summary.counts;
  progress.done(`before: ${b.different} different, ${b.missing} missing, ${b.extra} extra; after --repair: ${a.different} different, ${a.missing} missing, ${a.extra} extra`);
  // What a repair cannot fix stays: records Kingdee rejects, records the mapping cannot convert, the hand-keyed one.
  const rejected = c.report.deadLetters.filter((d) => d.spec === ACCOUNT_SPEC && d.class === 'rejected').length;
  const unmappable = c.report.deadLetters.filter((d) => d.spec === ACCOUNT_SPEC && d.class === 'bad-mapping').length;
  if (b.different !== 1 || b.extra !== 1) c.report.problems.push(`reconcile found ${b.different} different and ${b.extra} extra customers; 1 and 1 were made`);
  if (a.different !== 0 || a.missing !== rejected || a.unmappable !== unmappable || a.extra !== 1) {
    c.report.problems.push(`after --repair reconcile reports ${a.different} different, ${a.missing} missing (expected ${rejected} rejected by Kingdee), ${a.unmappable} unmappable (expected ${unmappable}), ${a.extra} extra (expected 1)`);
  }
  return { spec: ACCOUNT_SPEC, before: b, after: a, repaired: records.length, html: files.html };
}
