/**
 * `npm run bench:transform [-- --records N] [-- --interp-records N] [-- --cold-interp-records N] [-- --pool N]`
 *
 * The customer mapping (crm-account-to-erp-customer) and the order-with-lines mapping
 * (crm-order-to-erp-sales-order), filter + transform per record, four ways in one run:
 *   compiled     the generated transform in generated/<spec>/transform.ts
 *   cel-es       the same CEL expressions interpreted by @bufbuild/cel (plan() once, evaluate per record)
 *   jsonata      equivalent JSONata expressions (compiled once, evaluate per record)
 *   hand-written plain TypeScript a developer would write for the same mapping
 * All four use the same exact decimals (#support Decimal) and the same lookup tables from specs/.
 * Before timing, the outputs of all four are compared on 2,000 records; a mismatch is printed.
 *
 * Records come from a pool of 10,000 generated inputs, measured two ways:
 *   worker path  as the worker runs a transform: a claimed batch (the spec's `delivery.batch.size`) of inbox
 *                rows, each payload just decoded by JSON.parse (runtime/inbox/rows.ts), `ref()` answered
 *                from the crosswalk entries of the batch's ids as the deliverer reads them from the store
 *                for the batch (runtime/delivery/deliverer.ts); only filter + transform are timed. The
 *                goals are judged here.
 *   cold pool    the pool's objects themselves, cycled through 1 M times, `ref()` reading the whole 5,000-id
 *                crosswalk: they live in the old generation and mostly outside the CPU caches, so every
 *                record starts with cache misses. The compiled transform is bound by those reads (a pool
 *                of 100 runs it ~2.4× as fast); the interpreter hardly notices them. Printed as the worst
 *                case.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { celEnv, celFunc, celMethod, CelScalar, parse, plan, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import jsonata from 'jsonata';
import { Decimal, parseDate } from '#support';
import type { TransformContext } from '#support';
import { loadDocuments } from '../compiler/cli/documents.ts';
import { tableLookup } from '../runtime/support/transform.ts';
import { diffValues } from '../compiler/cli/example-diff.ts';
import type { LookupTableBody } from '../compiler/model.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'interp-records': { type: 'string' },
    pool: { type: 'string', default: '10000' },
    'cold-interp-records': { type: 'string' },
  },
});
const RECORDS = Number(values.records);
const INTERP_RECORDS = Number(values['interp-records'] ?? values.records);
const POOL = Number(values.pool);
/** The interpreter's rate is the same on a cold pool (it is compute-bound), so fewer of its records suffice there. */
const COLD_INTERP_RECORDS = Number(values['cold-interp-records'] ?? Math.ceil(INTERP_RECORDS / 10));

// ---------------------------------------------------------------------------------------------- data

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const REGIONS = ['华东', 'East China', '华南', '华北', 'Overseas', null, ''];
const CURRENCIES = ['CNY', 'USD', 'EUR', null];
const UNITS = ['箱', 'KG', 'EA', null];

type Rec = Record<string, unknown>;

function accounts(n: number): Rec[] {
  const r = rng(1);
  return Array.from({ length: n }, (_, i) => ({
    Id: `0015g${String(i).padStart(8, '0')}AAV`,
    Name: ` 客户 ${i} Trading Co. `,
    AccountNumber: r() < 0.05 ? null : `c-sf-${i}`,
    Region__c: pick(r, REGIONS),
    CurrencyIsoCode: pick(r, CURRENCIES),
    BillingState: r() < 0.2 ? null : '上海市',
    BillingCity: '浦东新区',
    BillingStreet: r() < 0.3 ? null : `张江路${i}号`,
    Phone: r() < 0.3 ? null : `+86 21 5080 ${String(i % 10000).padStart(4, '0')}`,
  }));
}

function orders(n: number): Rec[] {
  const r = rng(2);
  return Array.from({ length: n }, (_, i) => ({
    OrderNumber: String(i).padStart(8, '0'),
    EffectiveDate: `2026-0${1 + (i % 9)}-1${i % 10}`,
    Status: r() < 0.1 ? 'Draft' : 'Activated',
    AccountId: `0015g${String(i % 5000).padStart(8, '0')}AAV`,
    Region__c: pick(r, REGIONS),
    Description: r() < 0.5 ? null : `请于周五前发货 ${i}`,
    OrderItems: Array.from({ length: 1 + Math.floor(r() * 4) }, (_, j) => ({
      Product2Id: `01t5g${String(j).padStart(8, '0')}AAA`,
      Product2: { ProductCode: r() < 0.1 ? null : `P-${1000 + j}` },
      Quantity: Math.round(r() * 1000) / 100,
      UnitPrice: Math.round(r() * 100000) / 1000,
      Unit__c: pick(r, UNITS),
    })),
  }));
}

// ------------------------------------------------------------------------------------ the mappings

/** CEL text of both specs, as written in specs/flows (read back from the files, so they cannot drift). */
interface SpecText {
  filter: string;
  delivery: { batch: { size: number } };
  fields: Record<string, string | { expr: string; default?: unknown } | { each: string; fields: Record<string, string> }>;
}

const loaded = loadDocuments(['specs'], process.cwd());
const specText = (name: string): SpecText => {
  const doc = loaded.documents.find((d) => d.kind === 'SyncSpec' && d.name === name);
  if (!doc) throw new Error(`spec ${name} not found under specs/`);
  return (doc.value as { spec: SpecText }).spec;
};
const tables = new Map<string, LookupTableBody>();
for (const d of loaded.documents) if (d.kind === 'LookupTable' && d.name) tables.set(d.name, (d.value as { spec: LookupTableBody }).spec);
const ACCOUNTS = 'crm-account-to-erp-customer';
const crosswalk = new Map<string, string>();
for (let i = 0; i < 5000; i++) crosswalk.set(`0015g${String(i).padStart(8, '0')}AAV`, `C-SF-${i}`);
/** The whole crosswalk: what `ref()` reads on the cold pool. */
const allRefs: RefCache = new Map([[ACCOUNTS, crosswalk]]);
/**
 * spec → (source id → target id), as the deliverer keeps it per batch: the entries the batch's records
 * refer to, read from the store before the transforms run (see `batchRefs`).
 */
type RefCache = ReadonlyMap<string, ReadonlyMap<string, string>>;
let refsInUse: RefCache = allRefs;
const ctx: TransformContext = { lookup: tableLookup(tables), ref: (spec, id) => refsInUse.get(spec)?.get(id) };
/** The ids each mapping's records refer to through `ref()`. */
const referencedIds: Record<string, (r: Rec) => [spec: string, id: string][]> = {
  'crm-account-to-erp-customer': () => [],
  'crm-order-to-erp-sales-order': (r) => [[ACCOUNTS, String(r.AccountId)]],
};
function batchRefs(name: string, records: readonly Rec[]): RefCache {
  const out = new Map<string, Map<string, string>>();
  for (const r of records) {
    for (const [spec, id] of (referencedIds[name] as (r: Rec) => [string, string][])(r)) {
      const target = allRefs.get(spec)?.get(id);
      if (target === undefined) continue;
      let m = out.get(spec);
      if (m === undefined) out.set(spec, (m = new Map()));
      m.set(id, target);
    }
  }
  return out;
}

type Impl = { filter: (s: Rec) => boolean; transform: (s: Rec) => unknown };

// --- compiled
async function compiled(name: string): Promise<Impl> {
  const mod = (await import(`../generated/${name}/transform.ts`)) as {
    filter: (s: never, c: TransformContext) => boolean;
    transform: (s: never, c: TransformContext) => { ok: boolean; value?: unknown; errors?: unknown };
  };
  return { filter: (s) => mod.filter(s as never, ctx), transform: (s) => mod.transform(s as never, ctx) };
}

// --- cel-es: the integration functions registered on the interpreter, decimals carried as canonical text
function celEsEnv(): CelEnv {
  const S = CelScalar;
  const lookupValue = (table: string, key: string): string => {
    const v = ctx.lookup(table, key);
    if (v === undefined) throw new Error(`lookup ${table}: no entry for ${key}`);
    return String(v);
  };
  return celEnv({
    funcs: [
      ...strings,
      celMethod('orValue', S.DYN, [S.DYN], S.DYN, function (this: unknown, d) {
        return (this ?? d) as never;
      }),
      celFunc('lookup', [S.STRING, S.STRING], S.STRING, lookupValue),
      celFunc('ref', [S.STRING, S.STRING], S.STRING, (spec, id) => {
        const v = ctx.ref(spec, id);
        if (v === undefined) throw new Error(`ref ${spec}: no target id for ${id}`);
        return v;
      }),
      celFunc('coalesce', [S.DYN, S.DYN], S.DYN, (a, b) => (a ?? b) as never),
      celFunc('date', [S.STRING, S.STRING], S.STRING, (text, zone) => parseDate(text, zone).toString()),
      celFunc('decimal', [S.DYN], S.STRING, (v) => Decimal.from(typeof v === 'bigint' ? Number(v) : v).toString()),
      celMethod('round', S.STRING, [S.INT], S.STRING, function (this: string, n) {
        return Decimal.parse(this).round(Number(n)).toString();
      }),
    ],
  });
}

function celEs(name: string): Impl {
  const env = celEsEnv();
  const spec = specText(name);
  const compile = (text: string) => plan(env, parse(text)) as (b: Record<string, unknown>) => unknown;
  const check = (v: unknown): unknown => {
    if (v instanceof Error) throw v;
    return v;
  };
  const filter = compile(spec.filter);
  type Field = { name: string; eval: (b: Record<string, unknown>) => unknown; fallback?: unknown } | { name: string; each: (b: Record<string, unknown>) => unknown; fields: Field[] };
  const build = (fields: SpecText['fields']): Field[] =>
    Object.entries(fields).map(([fieldName, m]) => {
      if (typeof m === 'string') return { name: fieldName, eval: compile(m) };
      if ('each' in m) return { name: fieldName, each: compile(m.each), fields: build(m.fields) };
      return { name: fieldName, eval: compile(m.expr), fallback: m.default };
    });
  const fields = build(spec.fields);
  const run = (fs: Field[], bindings: Record<string, unknown>): Rec => {
    const out: Rec = {};
    for (const f of fs) {
      if ('each' in f) {
        const items = check(f.each(bindings)) as Iterable<unknown>;
        const rows: Rec[] = [];
        for (const item of items) rows.push(run(f.fields, { source: bindings.source, item }));
        out[f.name] = rows;
      } else {
        const v = check(f.eval(bindings));
        out[f.name] = v === null && f.fallback !== undefined ? f.fallback : typeof v === 'bigint' ? Number(v) : v;
      }
    }
    return out;
  };
  return {
    filter: (s) => check(filter({ source: s })) === true,
    transform: (s) => ({ ok: true, value: run(fields, { source: s }) }),
  };
}

// --- JSONata: the same mappings written as JSONata, with the integration functions bound
const jsonataText: Record<string, { filter: string; transform: string }> = {
  'crm-account-to-erp-customer': {
    filter: `$trim($or(AccountNumber)) != ""`,
    transform: `{
      "FNumber": $uppercase($trim($or(AccountNumber))),
      "FName": $trim(Name),
      "FCreateOrgId": $lookup("sales-orgs", $or(Region__c)),
      "FUseOrgId": $lookup("sales-orgs", $or(Region__c)),
      "FTRADINGCURRID": $lookup("currencies", CurrencyIsoCode ? CurrencyIsoCode : "CNY"),
      "FADDRESS": $join([$or(BillingState), $or(BillingCity), $or(BillingStreet)], ""),
      "FTEL": $or(Phone),
      "F_SYNC_SourceId": Id
    }`,
  },
  'crm-order-to-erp-sales-order': {
    filter: `Status = "Activated"`,
    transform: `(
      $src := $;
      {
        "FBillNo": OrderNumber,
        "FBillTypeID": "XSDD01_SYS",
        "FDate": $date(EffectiveDate, "UTC"),
        "FCustId": $or($ref("crm-account-to-erp-customer", AccountId)),
        "FSaleOrgId": $lookup("sales-orgs", $or(Region__c)),
        "FNote": $substring($or(Description), 0, 255),
        "FSaleOrderEntry": [OrderItems.{
          "FMaterialId": Product2.ProductCode ? Product2.ProductCode : $or(Product2Id),
          "FQty": $dec2(Quantity),
          "FTaxPrice": $dec2(UnitPrice),
          "FEntryTaxRate": $dec2(13),
          "FUnitID": $or($lookup("units", Unit__c ? Unit__c : "个"))
        }]
      }
    )`,
  },
};

function jsonataImpl(name: string): { filter: (s: Rec) => Promise<boolean>; transform: (s: Rec) => Promise<unknown> } {
  const text = jsonataText[name];
  if (!text) throw new Error(`no JSONata for ${name}`);
  const bindings = {
    or: (v: unknown) => (v === null || v === undefined ? '' : v),
    lookup: (t: string, k: string) => ctx.lookup(t, k),
    ref: (s: string, id: string) => ctx.ref(s, id),
    date: (t: string, z: string) => parseDate(t, z).toString(),
    dec2: (v: number | string) => Decimal.from(v).round(2).toString(),
  };
  const filter = jsonata(text.filter);
  const transform = jsonata(text.transform);
  return {
    filter: async (s) => (await filter.evaluate(s, bindings)) === true,
    transform: async (s) => ({ ok: true, value: await transform.evaluate(s, bindings) }),
  };
}

// --- hand-written TypeScript
/** First n code points (CEL substring counts code points, not UTF-16 units). */
const truncate = (s: string, n: number): string => (s.length <= n ? s : [...s].slice(0, n).join(''));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const lookupOrThrow = (t: string, k: string): string => {
  const v = ctx.lookup(t, k);
  if (v === undefined) throw new Error(`lookup ${t}: no entry for ${k}`);
  return String(v);
};
/** A developer writes the constant tax rate once, as the compiler now does for mappings that read no input. */
const TAX_RATE = Decimal.from(13).round(2).toString();
const handWritten: Record<string, Impl> = {
  'crm-account-to-erp-customer': {
    filter: (s) => str(s.AccountNumber).trim() !== '',
    transform: (s) => {
      const region = str(s.Region__c);
      return {
        ok: true,
        value: {
          FNumber: str(s.AccountNumber).trim().toUpperCase(),
          FName: String(s.Name).trim(),
          FCreateOrgId: lookupOrThrow('sales-orgs', region),
          FUseOrgId: lookupOrThrow('sales-orgs', region),
          FTRADINGCURRID: lookupOrThrow('currencies', s.CurrencyIsoCode == null ? 'CNY' : String(s.CurrencyIsoCode)),
          FADDRESS: str(s.BillingState) + str(s.BillingCity) + str(s.BillingStreet),
          FTEL: str(s.Phone),
          F_SYNC_SourceId: String(s.Id),
        },
      };
    },
  },
  'crm-order-to-erp-sales-order': {
    filter: (s) => s.Status === 'Activated',
    transform: (s) => {
      const cust = ctx.ref('crm-account-to-erp-customer', String(s.AccountId)) ?? '';
      const lines = (s.OrderItems as Rec[] | null) ?? [];
      return {
        ok: true,
        value: {
          FBillNo: String(s.OrderNumber),
          FBillTypeID: 'XSDD01_SYS',
          FDate: parseDate(String(s.EffectiveDate), 'UTC').toString(),
          FCustId: cust,
          FSaleOrgId: lookupOrThrow('sales-orgs', str(s.Region__c)),
          FNote: truncate(str(s.Description), 255),
          FSaleOrderEntry: lines.map((l) => ({
            FMaterialId: String((l.Product2 as Rec | null)?.ProductCode ?? l.Product2Id ?? ''),
            FQty: Decimal.from(l.Quantity).round(2).toString(),
            FTaxPrice: Decimal.from(l.UnitPrice).round(2).toString(),
            FEntryTaxRate: TAX_RATE,
            FUnitID: ctx.lookup('units', l.Unit__c == null ? '个' : String(l.Unit__c)) ?? null,
          })),
        },
      };
    },
  },
};

// ---------------------------------------------------------------------------------------- running

/**
 * Records per second of CPU time (user + system of this process) and of wall time. On a shared machine the
 * CPU figure is the steadier one: time the process spends waiting for a core is not charged to it.
 */
interface Rate {
  cpu: number;
  wall: number;
}
/**
 * A full collection before each timed run, and a pause for V8's background threads to finish sweeping
 * after it: otherwise the garbage of the previous run (1 M interpreted records leave a large old
 * generation) is collected during the next one, and the helper threads' CPU time is charged to whichever
 * implementation happens to run then.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
async function quiesce(): Promise<void> {
  collectGarbage();
  await sleep(100);
}

/**
 * Time spent, summed over timed sections. A section of the worker path is one batch (tens of microseconds),
 * and reading the CPU clock costs about a microsecond: the measured cost of an empty section is taken off
 * every section, so that the clock's own cost is not charged to the fastest implementations.
 */
class Clock {
  static overhead = { cpuUs: 0, wallNs: 0 };
  cpuUs = 0;
  wallNs = 0;
  sections = 0;
  #cpu = process.cpuUsage();
  #wall = 0n;
  start(): void {
    this.#cpu = process.cpuUsage();
    this.#wall = process.hrtime.bigint();
  }
  stop(): void {
    this.wallNs += Number(process.hrtime.bigint() - this.#wall);
    const c = process.cpuUsage(this.#cpu);
    this.cpuUs += c.user + c.system;
    this.sections++;
  }
  rate(n: number): Rate {
    const cpuUs = this.cpuUs - this.sections * Clock.overhead.cpuUs;
    const wallNs = this.wallNs - this.sections * Clock.overhead.wallNs;
    return { cpu: n / (cpuUs / 1e6), wall: n / (wallNs / 1e9) };
  }
  /** The cost of an empty section: the median of 20 runs of 10,000. */
  static calibrate(): void {
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < 20; r++) {
      const c = new Clock();
      for (let i = 0; i < 10_000; i++) {
        c.start();
        c.stop();
      }
      cpu.push(c.cpuUs / c.sections);
      wall.push(c.wallNs / c.sections);
    }
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
    Clock.overhead = { cpuUs: median(cpu), wallNs: median(wall) };
  }
}

let sink = 0;
/** Where the records of a timed run come from (see the header): the pool's objects, or decoded batches. */
interface Input {
  name: string;
  pool: readonly Rec[];
  /** Each pool record as its inbox row holds it. */
  texts: readonly string[];
  batch: number;
}

function timeColdPool(impl: Impl, input: Input, n: number): Rate {
  refsInUse = allRefs;
  const clock = new Clock();
  clock.start();
  for (let i = 0; i < n; i++) {
    const s = input.pool[i % input.pool.length] as Rec;
    if (impl.filter(s) && impl.transform(s) !== undefined) sink++;
  }
  clock.stop();
  return clock.rate(n);
}

/** The worker path's records: `n` of them decoded a batch at a time, `ref()` answering from the batch's crosswalk entries. */
function* decodedBatches(input: Input, n: number): Generator<Rec[]> {
  for (let done = 0; done < n; ) {
    const records: Rec[] = [];
    for (let i = 0; i < input.batch && done < n; i++, done++) records.push(JSON.parse(input.texts[done % input.texts.length] as string) as Rec);
    refsInUse = batchRefs(input.name, records);
    yield records;
  }
}

function timeWorkerPath(impl: Impl, input: Input, n: number): Rate {
  const clock = new Clock();
  for (const records of decodedBatches(input, n)) {
    clock.start();
    for (const s of records) if (impl.filter(s) && impl.transform(s) !== undefined) sink++;
    clock.stop();
  }
  return clock.rate(n);
}

async function timeWorkerPathAsync(impl: ReturnType<typeof jsonataImpl>, input: Input, n: number): Promise<Rate> {
  const clock = new Clock();
  for (const records of decodedBatches(input, n)) {
    clock.start();
    for (const s of records) if (await impl.filter(s)) await impl.transform(s);
    clock.stop();
  }
  return clock.rate(n);
}

/** Decimal text compares by value ("13.00" = "13.0000000000"): the targets' scale padding is not a difference in meaning. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
  if (typeof v === 'string' && /^-?\d+\.\d+$/.test(v)) return v.replace(/\.?0+$/, '');
  return v;
}
const valueOf = (r: unknown): unknown => canonical((r as { value?: unknown }).value);

async function agree(name: string, pool: readonly Rec[], impls: Record<string, Impl>, j: ReturnType<typeof jsonataImpl>): Promise<void> {
  refsInUse = allRefs;
  let mismatches = 0;
  for (const s of pool.slice(0, 2000)) {
    const ref = impls['hand-written'] as Impl;
    const keep = ref.filter(s);
    const want = keep ? valueOf(ref.transform(s)) : undefined;
    const results: Record<string, unknown> = {};
    for (const [k, impl] of Object.entries(impls)) results[k] = impl.filter(s) ? valueOf(impl.transform(s)) : undefined;
    results.jsonata = (await j.filter(s)) ? valueOf(await j.transform(s)) : undefined;
    for (const [k, got] of Object.entries(results)) {
      const diff = want === undefined || got === undefined ? (want === got ? [] : [{ path: '(filter)', expected: want, actual: got }]) : diffValues(want, got);
      if (diff.length > 0 && mismatches++ < 3) console.log(`  ! ${name} ${k} differs from hand-written:`, JSON.stringify(diff.slice(0, 2)));
    }
  }
  console.log(`  outputs compared on 2,000 records: ${mismatches === 0 ? 'all four agree' : `${mismatches} mismatches`}`);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
type SyncName = 'compiled' | 'hand-written' | 'cel-es';

/**
 * The three synchronous implementations alternate in rounds, each its share of the records per round, so that
 * a slow spell of the machine (this VM's memory throughput varies from minute to minute) hits all of them
 * alike instead of whichever happens to run then. CPU time and records add up over rounds.
 */
async function alternate(impls: Record<SyncName, Impl>, counts: Record<SyncName, number>, time: (impl: Impl, n: number) => Rate): Promise<Record<SyncName, Rate>> {
  const rounds = 10;
  const used = new Map<SyncName, { cpuS: number; wallS: number; n: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const [k, total] of Object.entries(counts) as [SyncName, number][]) {
      const n = Math.ceil(total / rounds);
      await quiesce();
      // The timed run starts warm: after the pause the caches hold another program's data.
      time(impls[k], Math.ceil(n / 10));
      const x = time(impls[k], n);
      const u = used.get(k) ?? { cpuS: 0, wallS: 0, n: 0 };
      u.cpuS += n / x.cpu;
      u.wallS += n / x.wall;
      u.n += n;
      used.set(k, u);
    }
  }
  const rate = (k: SyncName): Rate => {
    const u = used.get(k) as { cpuS: number; wallS: number; n: number };
    return { cpu: u.n / u.cpuS, wall: u.n / u.wallS };
  };
  return { compiled: rate('compiled'), 'hand-written': rate('hand-written'), 'cel-es': rate('cel-es') };
}

function printRates(rate: Record<string, Rate>): void {
  console.log(`  ${''.padEnd(13)} ${'records/CPU-s'.padStart(14)} ${'records/wall-s'.padStart(15)}`);
  for (const [k, v] of Object.entries(rate)) console.log(`  ${k.padEnd(13)} ${fmt(v.cpu).padStart(14)} ${fmt(v.wall).padStart(15)}`);
}
const ratio = (a: Rate, b: Rate): string => `${(a.cpu / b.cpu).toFixed(2)}× (wall ${(a.wall / b.wall).toFixed(2)}×)`;

async function bench(name: string, pool: Rec[]): Promise<void> {
  const input: Input = { name, pool, texts: pool.map((r) => JSON.stringify(r)), batch: specText(name).delivery.batch.size };
  console.log(`\n${name}  (${fmt(RECORDS)} records compiled/hand-written, ${fmt(INTERP_RECORDS)} interpreted; pool ${fmt(pool.length)})`);
  const impls: Record<SyncName, Impl> = { compiled: await compiled(name), 'hand-written': handWritten[name] as Impl, 'cel-es': celEs(name) };
  const j = jsonataImpl(name);
  await agree(name, pool, impls, j);
  // Warm-up so every implementation is measured optimised.
  // (The generated and hand-written code reach their final optimised form only after some 100,000 records.)
  for (const [k, impl] of Object.entries(impls)) timeWorkerPath(impl, input, Math.min(k === 'cel-es' ? 20_000 : 200_000, RECORDS));
  await timeWorkerPathAsync(j, input, Math.min(2_000, INTERP_RECORDS));

  console.log(`  worker path: batches of ${input.batch} records, each decoded from its inbox JSON just before, with the crosswalk entries they refer to (not timed)`);
  const worker: Record<string, Rate> = await alternate(impls, { compiled: RECORDS, 'hand-written': RECORDS, 'cel-es': INTERP_RECORDS }, (impl, n) => timeWorkerPath(impl, input, n));
  await quiesce();
  worker.jsonata = await timeWorkerPathAsync(j, input, INTERP_RECORDS);
  printRates(worker);
  const c = worker.compiled as Rate;
  console.log(`  compiled vs cel-es        ${ratio(c, worker['cel-es'] as Rate)}   goal ≥ 50×`);
  console.log(`  compiled vs JSONata       ${ratio(c, worker.jsonata)}   goal ≥ 100×`);
  console.log(`  compiled vs hand-written  ${ratio(c, worker['hand-written'] as Rate)}   goal ≥ 0.7×`);

  console.log(`  cold pool: the pool's own objects cycled, ref() reading the whole crosswalk (${fmt(COLD_INTERP_RECORDS)} interpreted records)`);
  const cold = await alternate(impls, { compiled: RECORDS, 'hand-written': RECORDS, 'cel-es': COLD_INTERP_RECORDS }, (impl, n) => timeColdPool(impl, input, n));
  printRates(cold);
  console.log(`  compiled vs cel-es        ${ratio(cold.compiled, cold['cel-es'])}`);
  console.log(`  compiled vs hand-written  ${ratio(cold.compiled, cold['hand-written'])}`);
}

Clock.calibrate();
console.log(`bench:transform on Node ${process.versions.node}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`timer cost per timed section, taken off each: ${Clock.overhead.cpuUs.toFixed(2)} µs CPU, ${(Clock.overhead.wallNs / 1000).toFixed(2)} µs wall`);
await bench('crm-account-to-erp-customer', accounts(POOL));
await bench('crm-order-to-erp-sales-order', orders(POOL));
if (sink < 0) console.log(sink);
