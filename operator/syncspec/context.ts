/**
 * What the operator's main thread needs around compiling, without the compiler: the shapes of a compile
 * (objects in, bundle or diagnostics out), which documents a spec's compile reads, and diagnostics as a
 * condition message. The compiler itself (compile.ts) runs in the compile thread, so the main thread
 * does not hold its sources, schemas and catalogs.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Plan } from '../../compiler/plan/types.ts';

/** What the compiler needs of a cluster object: kind, metadata and spec (status and server fields dropped). */
export interface SpecObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface Bundle {
  /**
   * File name → text, sorted by name: plan.json, transform.ts, types.ts, the referenced connections and
   * lookups, and the EntitySchemas of the source and target systems (`schemas/<name>.yaml`).
   */
  files: Record<string, string>;
  /** Names of the Kubernetes Secrets the bundle's connections reference (`secretKeyRef`), sorted, once each. */
  secrets: string[];
  /** sha256 over the sorted file names and contents: equal bundles, equal hashes. */
  hash: string;
  plan: Plan;
}

export type CompileResult = { ok: true; bundle: Bundle; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

const PLURAL: Record<string, string> = {
  SyncSpec: 'syncspecs', Connection: 'connections', LookupTable: 'lookuptables', EntitySchema: 'entityschemas',
};

/** The file name diagnostics name for an object: `syncspecs/<name>.yaml` (kubectl's resource/name). */
export function objectFile(kind: string, name: string): string {
  return `${PLURAL[kind] ?? kind.toLowerCase()}/${name}.yaml`;
}

/**
 * The documents a spec can depend on: Connections, LookupTables and SyncSpecs are referenced by name as
 * string literals (`connection:`, `lookup('…')`, `ref('…')`), so a document is included when its name
 * occurs in the text of an included spec — transitively, since a `ref()` target's own connections type
 * its key. A superset (a name inside a longer one) costs nothing but compile time; EntitySchemas extend
 * catalogs by system and are all included. This keeps a compile proportional to what the spec uses,
 * not to the size of the namespace.
 */
export function selectContext(name: string, objects: readonly SpecObject[], text: (o: SpecObject) => string = specText): SpecObject[] {
  const self = objects.find((o) => o.kind === 'SyncSpec' && o.metadata.name === name);
  if (!self) return [];
  const chosen = new Set<SpecObject>([self]);
  const pending = [self];
  const candidates = objects.filter((o) => o !== self && o.kind !== 'EntitySchema');
  while (pending.length > 0) {
    const t = text(pending.pop() as SpecObject);
    for (const o of candidates) {
      if (chosen.has(o) || !t.includes(o.metadata.name)) continue;
      chosen.add(o);
      if (o.kind === 'SyncSpec') pending.push(o);
    }
  }
  return [...chosen, ...objects.filter((o) => o.kind === 'EntitySchema')];
}

const texts = new WeakMap<object, string>();
/** The spec as JSON text, memoised per object (informer caches hand out the same object until it changes). */
export function specText(o: SpecObject): string {
  const key = (o.spec ?? o) as object;
  let t = texts.get(key);
  if (t === undefined) texts.set(key, (t = JSON.stringify(o.spec ?? {})));
  return t;
}

/** Every `secretKeyRef: { name }` anywhere in a document's spec (auth, webhook secret, options). */
export function secretNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretNames);
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'secretKeyRef' && typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string') out.push((v as { name: string }).name);
    else out.push(...secretNames(v));
  }
  return out;
}

export function bundleHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => cmp(a, b))) h.update(name).update('\0').update(text).update('\0');
  return h.digest('hex');
}

/** One line per diagnostic, `CODE file:line:col summary`, capped so a condition message stays readable. */
export function summarise(diagnostics: readonly Diagnostic[], max = 5): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const lines = errors.slice(0, max).map((d) => {
    const at = d.range ? ` ${d.range.file}:${d.range.start.line}:${d.range.start.col}` : '';
    return `${d.code}${at} ${d.summary}`;
  });
  if (errors.length > max) lines.push(`… and ${errors.length - max} more`);
  return `${errors.length} error(s): ${lines.join('; ')}`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
