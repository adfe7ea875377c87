/**
 * One reconciliation of one spec, as `syncspec reconcile` and the `mode: reconcile` schedule run it:
 * scan both systems page by page, compare through the spec's own transform, write the reports, and on
 * `repair` re-queue the missing and different records into the inbox so the normal delivery path
 * (retries, DLQ, idempotent upsert) brings the target back in step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityDef } from '../../compiler/catalog/types.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import type { Clock } from '../clock.ts';
import { CircuitBreaker } from '../delivery/breaker.ts';
import { Deliverer } from '../delivery/deliverer.ts';
import { tableLookup, type LookupTableData } from '../support/transform.ts';
import type { InboxStore } from '../inbox/store.ts';
import type { Logger } from '../ops/log.ts';
import type { Connector, SourceRecord } from '../support/connector.ts';
import type { CompiledTransform, TransformContext } from '../support/transform.ts';
import { reconcile, type ReconcileResult } from './engine.ts';
import { normaliserFor, type MappedFields } from './normalise.ts';
import { htmlReport, jsonReport } from './report.ts';

export interface ReconcileSpecInput {
  plan: Plan;
  transform: CompiledTransform;
  source: Connector;
  target: Connector;
  /** Crosswalk for `ref()` and, on repair, the inbox the records are re-queued into. */
  store: InboxStore;
  lookups: Readonly<Record<string, LookupTableData>>;
  /** The target entity and a resolver for its child entities, from the target system's catalog. */
  targetEntity: EntityDef;
  resolveEntity: (name: string) => EntityDef | undefined;
  /** Zone of offset-less times in the target system. */
  targetZone: string;
  pageSize?: number;
  maxListed?: number;
  budgetBytes?: number;
  onProgress?: (p: { side: 'source' | 'target'; records: number }) => void;
}

/** Target field paths of the plan (`FEntry`, `FEntry[].FQty`) as the tree the normaliser compares. */
export function mappedFields(plan: Plan): MappedFields {
  const root: MappedFields = {};
  for (const { field } of plan.fields) {
    const parts = field.split('[].');
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] as string;
      if (i === parts.length - 1) {
        if (node[name] === undefined) node[name] = true;
      } else {
        const next = node[name];
        node = typeof next === 'object' ? next : (node[name] = {});
      }
    }
  }
  return root;
}

/** Top-level target fields to read for the comparison; references by their business-key sub-field. */
export function scanFields(plan: Plan, entity: EntityDef): string[] {
  const out: string[] = [];
  for (const [name, sub] of Object.entries(mappedFields(plan))) {
    if (typeof sub === 'object') continue; // child collections are read with their parent by the connector
    const f = entity.fields[name];
    out.push(f?.type === 'reference' && f.by !== undefined ? `${name}.${f.by}` : name);
  }
  return out.sort();
}

/**
 * `ref()` is synchronous inside a transform while the crosswalk lives in the store: each page is run
 * once to learn which ids it needs, they are fetched in one query per spec, and the engine then runs
 * the page with every answer cached (transforms are pure, so running twice is harmless).
 */
async function* withRefsResolved(
  pages: AsyncIterable<SourceRecord[]>,
  transform: CompiledTransform,
  ctx: TransformContext,
  cache: Map<string, string | undefined>,
  store: InboxStore,
): AsyncIterable<SourceRecord[]> {
  for await (const page of pages) {
    // The engine has finished the previous page when the next is asked for: the cache need only
    // span one page, so it is dropped once large to keep memory bounded on any record count.
    if (cache.size > 50_000) cache.clear();
    const misses = new Map<string, Set<string>>();
    const probe: TransformContext = {
      lookup: ctx.lookup,
      ref: (spec, id) => {
        const k = `${spec}\0${id}`;
        if (cache.has(k)) return cache.get(k);
        (misses.get(spec) ?? misses.set(spec, new Set()).get(spec)!).add(id);
        return undefined;
      },
    };
    for (const r of page) {
      try {
        if (transform.filter(r.data, probe)) transform.transform(r.data, probe);
      } catch {
        // The engine runs the record again and reports the failure as unmappable.
      }
    }
    for (const [spec, ids] of misses) {
      const found = await store.crosswalkGet(spec, [...ids]);
      for (const id of ids) cache.set(`${spec}\0${id}`, found.get(id));
    }
    yield page;
  }
}

export async function reconcileSpec(input: ReconcileSpecInput): Promise<ReconcileResult> {
  const { plan, transform, store } = input;
  const pageSize = input.pageSize ?? 500;
  const cache = new Map<string, string | undefined>();
  const lookup = tableLookup(input.lookups);
  const ctx: TransformContext = { lookup, ref: (spec, id) => cache.get(`${spec}\0${id}`) };
  return reconcile({
    spec: plan.name,
    source: withRefsResolved(input.source.scan(plan.source.entity, { pageSize }), transform, ctx, cache, store),
    target: input.target.scan(plan.target.entity, { pageSize, fields: scanFields(plan, input.targetEntity) }),
    transform,
    ctx,
    targetKey: plan.target.key,
    normalise: normaliserFor({ entity: input.targetEntity, resolve: input.resolveEntity, mapped: mappedFields(plan), zone: input.targetZone }),
    ...(input.maxListed !== undefined ? { maxListed: input.maxListed } : {}),
    ...(input.budgetBytes !== undefined ? { budgetBytes: input.budgetBytes } : {}),
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
  });
}

export interface ReportFiles {
  json: string;
  html: string;
}

export function writeReports(result: ReconcileResult, outDir: string): ReportFiles {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, `${result.summary.spec}.reconcile.json`), html: join(outDir, `${result.summary.spec}.reconcile.html`) };
  writeFileSync(files.json, jsonReport(result));
  writeFileSync(files.html, htmlReport(result));
  return files;
}

/** Source ids a repair re-sends: missing in the target, or different there. */
export function repairIds(result: ReconcileResult): Set<string> {
  const ids = new Set<string>();
  for (const d of result.differences) if (d.kind === 'missing' || d.kind === 'different') ids.add(d.sourceId);
  return ids;
}

export interface RepairPlan {
  /** Source records to re-send, read again from the source (current values). */
  records: SourceRecord[];
  /** Ids that were in the report but no longer in the source. */
  vanished: string[];
}

/** Reads the records to repair again from the source, so what is re-sent is the current version. */
export async function collectRepair(input: Pick<ReconcileSpecInput, 'plan' | 'source' | 'pageSize'>, ids: ReadonlySet<string>): Promise<RepairPlan> {
  const records: SourceRecord[] = [];
  const seen = new Set<string>();
  for await (const page of input.source.scan(input.plan.source.entity, { pageSize: input.pageSize ?? 500 })) {
    for (const r of page) if (ids.has(r.id) && !seen.has(r.id)) (seen.add(r.id), records.push(r));
  }
  return { records: records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), vanished: [...ids].filter((id) => !seen.has(id)).sort() };
}

/**
 * Re-queues records through the inbox. The stored version carries a repair marker, because the
 * dedupe on (source id, version) would otherwise drop a version that was already delivered once —
 * and a repair exists precisely because what was delivered is no longer what the target holds.
 */
export async function enqueueRepair(store: InboxStore, spec: string, records: readonly SourceRecord[], runId: string, clock: Clock): Promise<{ sourceId: string; sourceVersion: string }[]> {
  const now = clock.now();
  const events = records.map((r) => ({
    spec,
    sourceId: r.id,
    sourceVersion: `${r.version}+repair.${runId}`,
    ...(r.cursor !== undefined ? { cursor: r.cursor } : {}),
    payload: r.data,
    receivedAt: now,
  }));
  for (let i = 0; i < events.length; i += 500) await store.insertEvents(events.slice(i, i + 500));
  return events.map((e) => ({ sourceId: e.sourceId, sourceVersion: e.sourceVersion }));
}

export interface RepairOutcome {
  queued: number;
  delivered: number;
  deadLettered: number;
  /** Still pending when the wait ended (retrying with backoff); a running worker delivers them. */
  pending: number;
}

/**
 * Delivers the re-queued events with the worker's own deliverer (batching, retries, DLQ, idempotent
 * upsert), waiting until every one of them is settled or `timeoutMs` passes.
 */
export async function deliverRepair(
  input: Pick<ReconcileSpecInput, 'plan' | 'transform' | 'target' | 'store' | 'lookups'>,
  queued: readonly { sourceId: string; sourceVersion: string }[],
  deps: { clock: Clock; log: Logger; timeoutMs: number },
): Promise<RepairOutcome> {
  const deliverer = new Deliverer({
    store: input.store,
    plan: input.plan,
    transform: input.transform,
    target: input.target,
    breaker: new CircuitBreaker({ clock: deps.clock }),
    lookups: input.lookups,
    clock: deps.clock,
    log: deps.log,
    owner: `reconcile-${process.pid}`,
    idleMs: 50,
  });
  const deadline = deps.clock.now() + deps.timeoutMs;
  deliverer.start();
  let pending = queued.length;
  try {
    while (pending > 0 && deps.clock.now() < deadline) {
      await deps.clock.sleep(100);
      pending = await input.store.unsettled(input.plan.name, queued);
    }
  } finally {
    await deliverer.stop();
  }
  pending = await input.store.unsettled(input.plan.name, queued);
  const ids = new Set(queued.map((q) => `${q.sourceId}\0${q.sourceVersion}`));
  const dead = (await input.store.listDeadLetters({ spec: input.plan.name, limit: 100_000 })).filter((d) => ids.has(`${d.sourceId}\0${d.sourceVersion}`)).length;
  return { queued: queued.length, delivered: queued.length - pending - dead, deadLettered: dead, pending };
}
