/**
 * `npm run bench:worker [-- --progress] [-- --records 100000] [-- --rate 1000 --latency-seconds 10 --warmup-seconds 1] [-- --stores sqlite,postgres] [-- --backfill [--backfill-records 1000000]] [-- --max-seconds 600] [-- --pg-vacuum-seconds 5]`
 *
 * The sync worker end to end: Salesforce emulator → worker → Kingdee emulator, running the generated
 * `crm-account-to-erp-customer` transform with its own batching (50, Kingdee BatchSave after a number
 * look-up), once with the SQLite store (WAL, synchronous=FULL: durable) and once with PostgreSQL.
 * The emulators run in child processes (bench/worker-emulators.ts), one per system, so the worker has a
 * core of its own and a Salesforce page being served never holds up a Kingdee call.
 *
 * 1. Webhook throughput: N accounts announced by Outbound Messages (100 notifications a message,
 *    `--senders` concurrent streams) → records/s until every key was confirmed by Kingdee.
 * 2. Poll throughput: N accounts read by the poll trigger (SOQL pages of 2,000) → records/s.
 * 3. Latency: a paced sender announces `--rate` records/s (10 every 10 ms) for `--latency-seconds`;
 *    end-to-end latency is from the announcement to Kingdee's confirmation of that key: p50 / p99, after
 *    `--warmup-seconds` at the same rate (start-up: first connections, the target's login, cold code), whose
 *    worst latency is printed apart.
 * 4. `--backfill`: only the poll backfill of `--backfill-records` (1,000,000) records, per store.
 * A run that has not confirmed every record after `--max-seconds` (600) prints how far it got.
 * PostgreSQL: when the server runs with autovacuum off (as this machine's does), the bench does autovacuum's
 * work every `--pg-vacuum-seconds` (5; 0 = never): the store's tables past autovacuum's thresholds (the
 * server's settings) are vacuumed or analyzed, as on a production server with autovacuum checking every 5 s.
 * Peak RSS is sampled in this process (harness + worker) every 100 ms of each run; the load average
 * is printed, since other work on the machine skews the figures. CPU time is printed per process (and for
 * a PostgreSQL server running on this machine, which shares its cores with the worker and the emulators), and how
 * busy the worker's main thread (its event loop) was; `--progress` prints both every 2 s of a throughput run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import type { Plan } from '../compiler/plan/types.ts';
import { KingdeeConnector } from '../connectors/kingdee-k3cloud/connector.ts';
import { SalesforceConnector } from '../connectors/salesforce/connector.ts';
import { PostgresInboxStore } from '../runtime/inbox/postgres.ts';
import { SqliteInboxStore } from '../runtime/inbox/sqlite.ts';
import type { InboxStore } from '../runtime/inbox/store.ts';
import { silentLogger } from '../runtime/ops/log.ts';
import { Worker } from '../runtime/worker.ts';
import { loadCompiledSpec, loadLookupTables } from '../test/runtime/compiled.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '1' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    senders: { type: 'string', default: '4' },
    backfill: { type: 'boolean', default: false },
    'backfill-records': { type: 'string', default: '1000000' },
    'max-seconds': { type: 'string', default: '600' },
    'pg-vacuum-seconds': { type: 'string', default: '5' },
    progress: { type: 'boolean', default: false },
  },
});
const N = Number(values.records);
const RATE = Number(values.rate);
const LATENCY_SECONDS = Number(values['latency-seconds']);
const WARMUP_SECONDS = Number(values['warmup-seconds']);
const SENDERS = Number(values.senders);
const STORES = (values.stores ?? '').split(',').filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
const PG_URL = process.env.SYNCSPEC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SPEC = 'crm-account-to-erp-customer';
const TICK_MS = 10;
const MAX_MS = Number(values['max-seconds']) * 1000;
const PG_VACUUM_MS = Number(values['pg-vacuum-seconds']) * 1000;
const http = new Agent({ connections: 16, headersTimeout: 0, bodyTimeout: 0 });

interface Emulators {
  salesforce: string;
  organizationId: string;
  kingdee: string;
  kingdeeAdmin: string;
  acctId: string;
  children: ChildProcess[];
}

async function startEmulator(system: 'salesforce' | 'kingdee'): Promise<{ info: Record<string, string>; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'worker-emulators.ts'), system], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${system} emulator process exited with ${code}`)));
  });
  return { info: JSON.parse(first) as Record<string, string>, child };
}

async function startEmulators(): Promise<Emulators> {
  const [sf, kd] = await Promise.all([startEmulator('salesforce'), startEmulator('kingdee')]);
  return { ...(sf.info as { salesforce: string; organizationId: string }), ...(kd.info as { kingdee: string; kingdeeAdmin: string; acctId: string }), children: [sf.child, kd.child] };
}

async function stopEmulators(e: Emulators): Promise<void> {
  await Promise.all(
    e.children.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

async function admin(base: string, path: string, body?: unknown): Promise<unknown> {
  const res = await request(`${base}${path}`, { dispatcher: http, method: body === undefined ? 'GET' : 'POST', ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  return text === '' ? undefined : JSON.parse(text);
}

const accountId = (i: number): string => `001Bn${String(i).padStart(10, '0')}AAA`;
const accountNumber = (i: number): string => `b-${String(i).padStart(7, '0')}`;
/** The Kingdee key the spec derives (upper-cased, trimmed account number). */
const keyOf = (i: number): string => accountNumber(i).toUpperCase();

/** Seeds accounts `from`..`to`-1; with modstamps one second apart when polled (so pages are ordered and tie-free). */
async function seedAccounts(e: Emulators, from: number, to: number): Promise<void> {
  const base = Date.UTC(2026, 0, 1);
  for (let i = from; i < to; i += 20_000) {
    const rows = [];
    for (let j = i; j < Math.min(to, i + 20_000); j++) {
      const stamp = new Date(base + j * 1000).toISOString().replace('Z', '+0000');
      rows.push({ Id: accountId(j), Name: `上海客户 ${j} "华东" & Co`, AccountNumber: accountNumber(j), Region__c: '华东', CurrencyIsoCode: 'CNY', Phone: '+86 21 5080 1234', BillingCity: '上海市', SystemModstamp: stamp });
    }
    await admin(e.salesforce, '/__admin/seed', { Account: rows });
  }
}

type StoreKind = 'sqlite' | 'postgres';

/**
 * One round of autovacuum for the tables of `schema`, by autovacuum's own rules and the server's settings:
 * VACUUM a table whose dead rows exceed threshold + scale factor × its rows, or whose inserts since the
 * last vacuum exceed the insert threshold (PostgreSQL 13+); ANALYZE one whose changes since the last
 * analyze exceed the analyze threshold. The queue tables (small, every row deleted soon after it is
 * inserted) qualify at nearly every round; the event table, growing by a million rows, only now and then.
 */
async function autovacuum(client: pg.Client, schema: string): Promise<void> {
  const { rows } = await client.query(
    `SELECT s.relname AS name,
       s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8 + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0)
         OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8 + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * greatest(c.reltuples, 0) AS vacuum,
       s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8 + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0) AS analyze
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = $1 ORDER BY s.relname`,
    [schema],
  );
  for (const r of rows as { name: string; vacuum: boolean; analyze: boolean }[]) {
    const table = `${schema}.${pg.escapeIdentifier(r.name)}`;
    if (r.vacuum) await client.query(`VACUUM ${r.analyze ? '(ANALYZE) ' : ''}${table}`);
    else if (r.analyze) await client.query(`ANALYZE ${table}`);
  }
}

async function makeStore(kind: StoreKind): Promise<{ store: InboxStore; postmaster?: number | undefined; dispose: () => Promise<void> }> {
  if (kind === 'postgres') {
    const schema = `rt_bench_worker_${randomBytes(5).toString('hex')}`;
    const store = new PostgresInboxStore({ connectionString: PG_URL, schema, poolSize: 8 });
    try {
      await store.migrate();
    } catch (err) {
      throw new Error(`PostgreSQL is not reachable at ${PG_URL}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A queue table needs vacuuming: claimed-and-settled rows leave dead entries in its indexes. This
    // machine's server runs with autovacuum off, so the bench does what autovacuum would (see autovacuum).
    const vacuum = new pg.Client({ connectionString: PG_URL });
    await vacuum.connect();
    const autovacuumOn = (await vacuum.query('SHOW autovacuum')).rows[0]?.autovacuum === 'on';
    let vacuuming = Promise.resolve();
    const timer = PG_VACUUM_MS > 0 && !autovacuumOn
      ? setInterval(() => (vacuuming = vacuuming.then(() => autovacuum(vacuum, schema)).catch(() => undefined)), PG_VACUUM_MS)
      : undefined;
    return {
      store,
      postmaster: await postmasterPid(vacuum),
      dispose: async () => {
        clearInterval(timer);
        await vacuuming;
        await vacuum.end();
        await store.close();
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'rt-bench-worker-'));
  const store = new SqliteInboxStore(join(dir, 'state.db'), { synchronous: 'FULL' });
  await store.migrate();
  return { store, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * Records the target connector confirmed. The latency run keeps each key's time; the throughput runs only
 * count (a map of a million keys on the worker's own thread would be the harness's cost, not the worker's):
 * a count can include a key confirmed twice, so reaching n is checked against the ERP's own count.
 */
class Confirmations {
  readonly at: Map<string, number> | undefined;
  count = 0;
  #waiters: { n: number; resolve: () => void }[] = [];
  constructor(keepTimes: boolean) {
    this.at = keepTimes ? new Map() : undefined;
  }
  add(key: string, t: number): void {
    if (this.at) {
      if (this.at.has(key)) return;
      this.at.set(key, t);
    }
    this.count++;
    for (const w of this.#waiters) if (this.count >= w.n) w.resolve();
  }
  async until(n: number, timeoutMs: number): Promise<void> {
    if (this.count >= n) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#waiters.push({ n, resolve })),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${this.count} of ${n} records confirmed within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}

async function startWorker(e: Emulators, store: InboxStore, trigger: 'webhook' | 'poll', confirmed: Confirmations) {
  const compiled = await loadCompiledSpec(SPEC);
  const triggers: Plan['triggers'] = trigger === 'webhook' ? compiled.plan.triggers.filter((t) => 'webhook' in t) : [{ poll: { every: '1h', cursor: 'SystemModstamp', overlap: '0s' } }];
  const plan: Plan = { ...compiled.plan, triggers };
  const source = new SalesforceConnector({ loginUrl: e.salesforce, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }, organizationId: e.organizationId, timeoutMs: 30_000 });
  const target = new KingdeeConnector({ serverUrl: e.kingdee, acctId: e.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' }, timeoutMs: 30_000, maxQueryLimit: 10_000, connections: 16 });
  const upsert = target.upsertBatch.bind(target);
  target.upsertBatch = async (...args: Parameters<typeof upsert>) => {
    const results = await upsert(...args);
    const t = performance.now();
    for (const r of results) if (r.status === 'ok') confirmed.add(r.key, t);
    return results;
  };
  const worker = new Worker({
    specs: [{ plan, transform: compiled.transform }],
    connectors: { 'salesforce-prod': source, 'kingdee-prod': target },
    store,
    lookups: loadLookupTables(),
    log: silentLogger(),
    delivery: { maxInFlightBatches: 8 },
    poll: { pageSize: 2000 },
  });
  return {
    worker,
    async close() {
      await worker.stop();
      await source.close();
      await target.close();
    },
  };
}

/** Fields of /proc/<pid>/stat after "(comm) ": utime, stime, cutime and cstime are 11-14 there (14-17 in stat(5)). */
function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) the emulator processes have used so far, from /proc (Linux); undefined elsewhere. */
function emulatorCpuSeconds(children: readonly ChildProcess[]): number | undefined {
  try {
    let total = 0;
    for (const child of children) {
      const f = procStat(child.pid as number);
      total += (Number(f[11]) + Number(f[12])) / 100;
    }
    return total;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a local PostgreSQL server has used so far: the postmaster with the backends it has reaped
 * (cutime, cstime) and those still running. Undefined when the server's processes are not visible here.
 */
function serverCpuSeconds(postmaster: number | undefined): number | undefined {
  if (postmaster === undefined) return undefined;
  try {
    const f = procStat(postmaster);
    let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    for (const pid of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      try {
        const c = procStat(Number(pid));
        ticks += Number(c[11]) + Number(c[12]);
      } catch {
        // The backend exited between the listing and the read: the postmaster's cutime has it now or soon.
      }
    }
    return ticks / 100;
  } catch {
    return undefined;
  }
}

/** The postmaster's pid, when the server runs on this machine (the parent of our backend). */
async function postmasterPid(client: pg.Client): Promise<number | undefined> {
  try {
    const backend = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    return Number(procStat(backend)[1]);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used while `fn` runs: by this process (harness + worker, all threads), by the emulator
 * children and, when it runs here, by the PostgreSQL server (which shares the 2 cores in this bench).
 * Other work on the machine stretches wall-clock time; CPU time shows what the run itself cost.
 */
async function withCpu<T>(e: Emulators, postmaster: number | undefined, fn: () => Promise<T>): Promise<{ result: T; cpu: string }> {
  const self0 = process.cpuUsage();
  const loop0 = performance.eventLoopUtilization();
  const emulators0 = emulatorCpuSeconds(e.children);
  const server0 = serverCpuSeconds(postmaster);
  const result = await fn();
  const self = process.cpuUsage(self0);
  // How busy the worker's main thread was: near 100 % it is the bottleneck, well below it something it waits for is.
  const loop = performance.eventLoopUtilization(loop0);
  const emulators1 = emulatorCpuSeconds(e.children);
  const server1 = serverCpuSeconds(postmaster);
  const emulators = emulators0 !== undefined && emulators1 !== undefined ? `, emulators ${(emulators1 - emulators0).toFixed(1)} s` : '';
  const server = server0 !== undefined && server1 !== undefined ? `, PostgreSQL server ${(server1 - server0).toFixed(1)} s` : '';
  return { result, cpu: `CPU: worker process ${((self.user + self.system) / 1e6).toFixed(1)} s (main thread busy ${(loop.utilization * 100).toFixed(0)} %)${emulators}${server}` };
}

/** `--progress`: records confirmed and how busy the main thread was, per interval of a throughput run. */
function progressEvery(ms: number, t0: number, confirmed: Confirmations): NodeJS.Timeout {
  let before = 0;
  let loop = performance.eventLoopUtilization();
  return setInterval(() => {
    const busy = performance.eventLoopUtilization(loop).utilization;
    loop = performance.eventLoopUtilization();
    console.log(`  ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${String(Math.round(((confirmed.count - before) * 1000) / ms)).padStart(6)} rec/s  main thread busy ${(busy * 100).toFixed(0)} %`);
    before = confirmed.count;
  }, ms);
}

/** Peak RSS of this process while `fn` runs (sampled every 100 ms). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMiB: Math.round(peak / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

const customersAtErp = async (e: Emulators): Promise<number> => ((await admin(e.kingdeeAdmin, '/__admin/records')) as Record<string, number>).BD_Customer ?? 0;

async function verify(e: Emulators, n: number): Promise<string> {
  const held = await customersAtErp(e);
  if (held !== n) throw new Error(`Kingdee holds ${held} customers, expected ${n}`);
  if (n > 200_000) return `${n} customers at the ERP`;
  const effects = (await admin(e.kingdeeAdmin, '/__admin/effects?entity=BD_Customer')) as { creates: number; updates: number }[];
  const twice = effects.filter((x) => x.creates + x.updates !== 1).length;
  if (twice > 0) throw new Error(`${twice} customers were written more than once`);
  return `${n} customers at the ERP, each written once`;
}

async function throughput(kind: StoreKind, trigger: 'webhook' | 'poll', n: number): Promise<void> {
  const e = await startEmulators();
  const { store, postmaster, dispose } = await makeStore(kind);
  try {
    await seedAccounts(e, 0, n);
    const confirmed = new Confirmations(false);
    const { worker, close } = await startWorker(e, store, trigger, confirmed);
    const { result: { result: seconds, peakRssMiB }, cpu } = await withCpu(e, postmaster, () => withPeakRss(async () => {
      const t0 = performance.now();
      const progress = values.progress ? progressEvery(2000, t0, confirmed) : undefined;
      if (trigger === 'poll') await worker.start();
      else {
        await worker.start();
        const per = Math.ceil(n / SENDERS);
        const hook = `${worker.url}/hooks/${SPEC}`;
        const sends = Array.from({ length: SENDERS }, (_, s) => {
          const ids = [];
          for (let i = s * per; i < Math.min(n, (s + 1) * per); i++) ids.push(accountId(i));
          return ids.length === 0 ? undefined : admin(e.salesforce, '/__admin/outbound', { url: hook, type: 'Account', ids, perMessage: 100, attempts: 5 });
        });
        await Promise.all(sends);
      }
      try {
        // Until the ERP holds all n: confirmations of a key sent twice (a retry after a lost answer) count
        // twice, so whatever the ERP lacks when the count says n is waited for as that many more.
        for (let want = n; ; ) {
          await confirmed.until(want, t0 + MAX_MS - performance.now());
          const held = await customersAtErp(e);
          if (held >= n) break;
          want = confirmed.count + (n - held);
        }
      } catch {
        return { confirmed: confirmed.count, seconds: (performance.now() - t0) / 1000 };
      } finally {
        clearInterval(progress);
      }
      return (performance.now() - t0) / 1000;
    }));
    await close();
    if (typeof seconds !== 'number') {
      console.log(`${label(kind)} ${trigger.padEnd(7)} ${String(n).padStart(9)} records  NOT FINISHED: ${seconds.confirmed} confirmed in ${seconds.seconds.toFixed(0)} s (${(seconds.confirmed / seconds.seconds).toFixed(0)} rec/s)  peak RSS ${peakRssMiB} MiB  ${cpu}`);
      return;
    }
    const check = await verify(e, n);
    console.log(`${label(kind)} ${trigger.padEnd(7)} ${String(n).padStart(9)} records  ${(n / seconds).toFixed(0).padStart(6)} rec/s  ${seconds.toFixed(1).padStart(6)} s  peak RSS ${peakRssMiB} MiB  ${cpu}  (${check})`);
  } finally {
    await dispose();
    await stopEmulators(e);
  }
}

async function latency(kind: StoreKind): Promise<void> {
  // The first `--warmup-seconds` run at the same rate but are not measured: they hold the start-up (first connections,
  // the target's login, code not yet optimised), whose latency is printed apart.
  const warm = RATE * WARMUP_SECONDS;
  const total = warm + RATE * LATENCY_SECONDS;
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const e = await startEmulators();
  const { store, dispose } = await makeStore(kind);
  try {
    await seedAccounts(e, 0, total);
    const confirmed = new Confirmations(true);
    const { worker, close } = await startWorker(e, store, 'webhook', confirmed);
    await worker.start();
    const hook = `${worker.url}/hooks/${SPEC}`;
    const sentAt = new Map<string, number>();
    const { peakRssMiB } = await withPeakRss(async () => {
      const t0 = performance.now();
      const sends: Promise<unknown>[] = [];
      for (let k = 0; k * perTick < total; k++) {
        // Paced against the start time, so a slow tick does not slow the offered load down.
        const wait = t0 + k * TICK_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const ids = [];
        const now = performance.now();
        for (let i = k * perTick; i < Math.min(total, (k + 1) * perTick); i++) {
          ids.push(accountId(i));
          sentAt.set(keyOf(i), now);
        }
        sends.push(admin(e.salesforce, '/__admin/outbound', { url: hook, type: 'Account', ids, perMessage: 100, attempts: 5 }));
      }
      await Promise.all(sends);
      await confirmed.until(total, MAX_MS);
    });
    await close();
    const latencies = [...sentAt].map(([key, t]) => (confirmed.at?.get(key) as number) - t);
    const coldMax = Math.max(0, ...latencies.slice(0, warm));
    const lat = latencies.slice(warm).sort((a, b) => a - b);
    const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number;
    const check = await verify(e, total);
    console.log(`${label(kind)} latency at ${RATE} rec/s for ${LATENCY_SECONDS} s: p50 ${q(0.5).toFixed(0)} ms  p99 ${q(0.99).toFixed(0)} ms  max ${(lat.at(-1) ?? 0).toFixed(0)} ms (after ${WARMUP_SECONDS} s at that rate, whose max was ${coldMax.toFixed(0)} ms)  peak RSS ${peakRssMiB} MiB  (${check})`);
  } finally {
    await dispose();
    await stopEmulators(e);
  }
}

const label = (kind: StoreKind): string => (kind === 'sqlite' ? 'SQLite (WAL, FULL)' : 'PostgreSQL        ');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`bench:worker — Salesforce emulator → worker (${SPEC}) → Kingdee emulator; load average ${load()}`);
if (values.backfill) {
  const n = Number(values['backfill-records']);
  for (const kind of STORES) await throughput(kind, 'poll', n);
} else {
  for (const kind of STORES) {
    await throughput(kind, 'webhook', N);
    await throughput(kind, 'poll', N);
    await latency(kind);
  }
}
console.log(`load average at the end ${load()} (1, 5, 15 min; 2 cores)`);
await http.close();
