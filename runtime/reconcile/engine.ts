/**
 * The reconciliation engine: reads the source side (through the spec's own filter and transform, so
 * the comparison is against what the worker would write) and the target side, both as streams of
 * pages, and reports missing, extra and different records with field-level detail.
 */
import type { SourceRecord } from '../support/connector.ts';
import type { CompiledTransform, TransformContext } from '../support/transform.ts';
import { PartitionedStore, partitionOf, type StoredEntry } from './partitions.ts';
import type { Difference, FieldDifference, ReconcileCounts, ReconcileRunStats, ReconcileSummary } from './types.ts';

/**
 * Turns a record (transformed source, or raw target) into comparable, canonical field values.
 * It must build its output with keys in one fixed order (e.g. sorted field paths), so that equal
 * values serialise to equal text with plain `JSON.stringify` — the hot path of a million-record run.
 */
export type Normaliser = (record: Record<string, unknown>) => Record<string, unknown>;

export interface ReconcileInput {
  spec: string;
  source: AsyncIterable<readonly SourceRecord[]>;
  target: AsyncIterable<readonly SourceRecord[]>;
  transform: CompiledTransform;
  ctx: TransformContext;
  /** Target business-key field: read from the transformed source record and from the target record. */
  targetKey: string;
  normalise: Normaliser;
  /** Differences kept for the report; counts stay exact beyond it. */
  maxListed?: number;
  /** In-memory budget before partitions spill to disk. */
  budgetBytes?: number;
  onProgress?: (p: { side: 'source' | 'target'; records: number }) => void;
  now?: () => number;
}

export interface ReconcileResult {
  summary: ReconcileSummary;
  differences: Difference[];
  run: ReconcileRunStats;
}

/** Canonical JSON: object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function keyText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.normalize('NFC');
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v && typeof v === 'object') {
    // Base-data references such as Kingdee `{ FNumber: "C001" }` compare by their number.
    const o = v as Record<string, unknown>;
    for (const k of ['FNumber', 'FNUMBER', 'number', 'id']) if (typeof o[k] === 'string') return (o[k] as string).normalize('NFC');
  }
  return undefined;
}

export function fieldDifferences(source: Record<string, unknown>, target: Record<string, unknown>): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const field of Object.keys(source).sort()) {
    const s = source[field];
    const t = target[field];
    if (canonicalJson(s) !== canonicalJson(t)) out.push({ field, source: s ?? null, target: t ?? null });
  }
  return out;
}

export async function reconcile(input: ReconcileInput): Promise<ReconcileResult> {
  const now = input.now ?? Date.now;
  const started = now();
  let peakRss = process.memoryUsage.rss();
  const sampleRss = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  };
  const maxListed = input.maxListed ?? 100_000;
  const counts: ReconcileCounts = { source: 0, target: 0, filtered: 0, equal: 0, missing: 0, extra: 0, different: 0, unmappable: 0 };
  const fieldMismatches = new Map<string, number>();
  const listed: Difference[] = [];
  const record = (d: Difference) => {
    counts[d.kind]++;
    if (d.kind === 'different') for (const f of d.fields) fieldMismatches.set(f.field, (fieldMismatches.get(f.field) ?? 0) + 1);
    if (listed.length < maxListed) listed.push(d);
  };
  const store = new PartitionedStore(input.budgetBytes === undefined ? {} : { budgetBytes: input.budgetBytes });
  try {
    for await (const page of input.source) {
      for (const rec of page) {
        counts.source++;
        if (rec.deleted) continue;
        if (!input.transform.filter(rec.data, input.ctx)) {
          counts.filtered++;
          continue;
        }
        const out = input.transform.transform(rec.data, input.ctx);
        if (!out.ok) {
          record({ kind: 'unmappable', sourceId: rec.id, errors: out.errors.map(({ path, message, at }) => ({ path, message, at })) });
          continue;
        }
        const key = keyText(out.value[input.targetKey]);
        if (key === undefined) {
          record({ kind: 'unmappable', sourceId: rec.id, errors: [{ path: input.targetKey, message: 'the mapped business key is empty', at: '' }] });
          continue;
        }
        store.putSource(key, { id: rec.id, canonical: JSON.stringify(input.normalise(out.value)) });
      }
      input.onProgress?.({ side: 'source', records: counts.source });
      sampleRss();
    }

    const compare = (key: string, s: StoredEntry | undefined, t: StoredEntry) => {
      if (!s) return record({ kind: 'extra', key, targetId: t.id });
      if (s.canonical === t.canonical) {
        counts.equal++;
        return;
      }
      const fields = fieldDifferences(JSON.parse(s.canonical) as Record<string, unknown>, JSON.parse(t.canonical) as Record<string, unknown>);
      if (fields.length === 0) counts.equal++; // target carries extra unmapped fields only
      else record({ kind: 'different', key, sourceId: s.id, targetId: t.id, fields });
    };

    for await (const page of input.target) {
      for (const rec of page) {
        if (rec.deleted) continue;
        counts.target++;
        const key = keyText(rec.data[input.targetKey]);
        if (key === undefined) continue;
        const entry: StoredEntry = { id: rec.id, canonical: JSON.stringify(input.normalise(rec.data)) };
        const p = partitionOf(key, store.partitions);
        const s = store.takeSource(key, p);
        if (s === 'spilled') store.parkTarget(p, key, entry);
        else compare(key, s, entry);
      }
      input.onProgress?.({ side: 'target', records: counts.target });
      sampleRss();
    }
    for (const [key, s] of store.remainingInMemory()) record({ kind: 'missing', key, sourceId: s.id });
    for await (const { source, targets } of store.spilledPartitions()) {
      for await (const { key, entry } of targets) {
        const s = source.get(key);
        if (s) source.delete(key);
        compare(key, s, entry);
      }
      for (const [key, s] of source) record({ kind: 'missing', key, sourceId: s.id });
      sampleRss();
    }
  } finally {
    store.close();
  }
  listed.sort(compareDifferences);
  return {
    summary: {
      spec: input.spec,
      counts,
      fieldMismatches: Object.fromEntries([...fieldMismatches].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      listed: listed.length,
      truncated: listed.length < counts.missing + counts.extra + counts.different + counts.unmappable,
    },
    differences: listed,
    run: { durationMs: now() - started, peakRssBytes: peakRss, spilledPartitions: store.spilledCount },
  };
}

const kindOrder = { missing: 0, extra: 1, different: 2, unmappable: 3 } as const;
function sortKey(d: Difference): string {
  return d.kind === 'unmappable' ? d.sourceId : d.key;
}
function compareDifferences(a: Difference, b: Difference): number {
  if (a.kind !== b.kind) return kindOrder[a.kind] - kindOrder[b.kind];
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
