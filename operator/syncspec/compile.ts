/**
 * Compiles one SyncSpec as it lives in the cluster, with the same phases and diagnostics as
 * `syncspec generate`: the namespace's SyncSpecs (for `ref()`), Connections, LookupTables and
 * EntitySchemas become in-memory YAML files, go through load → schema → semantic checks, then the
 * mapping check, plan and emit of this one spec. The result is the bundle the worker runs.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { buildCatalogs } from '../../compiler/catalog/load.ts';
import { compileExpression } from '../../compiler/cel/index.ts';
import { sortDiagnostics, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { CodegenError } from '../../compiler/emit/code.ts';
import { emitSpec } from '../../compiler/emit/index.ts';
import { checkMapping, mappingRepo } from '../../compiler/mapping/index.ts';
import { buildPlan } from '../../compiler/plan/index.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import { runPipelineOnSources } from '../../compiler/pipeline.ts';

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

/** The YAML the compiler reads for an object; line:col in diagnostics refer to this text. */
export function objectYaml(o: SpecObject): string {
  const metadata: Record<string, unknown> = { name: o.metadata.name };
  if (o.metadata.labels && Object.keys(o.metadata.labels).length > 0) metadata.labels = o.metadata.labels;
  return stringify({ apiVersion: 'syncspec.dev/v1', kind: o.kind, metadata, spec: o.spec ?? {} }, { lineWidth: 0 });
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

export function compileSpec(name: string, all: readonly SpecObject[]): CompileResult {
  const objects = selectContext(name, all);
  const sorted = [...objects].sort((a, b) => cmp(objectFile(a.kind, a.metadata.name), objectFile(b.kind, b.metadata.name)));
  const sources = sorted.map((o) => ({ file: objectFile(o.kind, o.metadata.name), content: objectYaml(o) }));
  const own = objectFile('SyncSpec', name);
  const self = sorted.find((o) => o.kind === 'SyncSpec' && o.metadata.name === name);
  if (!self) throw new Error(`compileSpec: SyncSpec ${name} is not among the objects`);
  const spec = (self.spec ?? {}) as { source?: { connection?: unknown }; target?: { connection?: unknown } };
  // Errors count when they are in this spec's file or in a Connection it names; another spec's mistakes are its own.
  const relevant = new Set([own]);
  for (const c of [spec.source?.connection, spec.target?.connection]) if (typeof c === 'string') relevant.add(objectFile('Connection', c));

  const pipeline = runPipelineOnSources(sources);
  const mine = pipeline.diagnostics.filter((d) => d.range === undefined || relevant.has(d.range.file));
  if (mine.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sortDiagnostics(mine) };

  const catalogs = buildCatalogs(pipeline.documents);
  const repo = mappingRepo(pipeline.documents, (system) => catalogs.catalogFor(system), compileExpression);
  const doc = pipeline.documents.find((d) => d.kind === 'SyncSpec' && d.name === name);
  if (!doc) return { ok: false, diagnostics: sortDiagnostics(mine) };
  const checked = checkMapping(doc, repo);
  const diagnostics = [...mine, ...checked.diagnostics];
  if (!checked.mapping || diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  const plan = buildPlan(checked.mapping);
  const files: Record<string, string> = {};
  try {
    for (const f of emitSpec(checked.mapping, plan)) files[f.path.slice(f.path.indexOf('/') + 1)] = f.text;
  } catch (err) {
    if (!(err instanceof CodegenError)) throw err;
    const d: Diagnostic = { code: err.code, severity: 'error', summary: err.message.replace(/^SS\d+: /, ''), range: doc.locate(['metadata', 'name']) };
    return { ok: false, diagnostics: sortDiagnostics([...diagnostics, d]) };
  }
  // The worker reads its endpoints and code tables from the bundle, never from the cluster.
  const byFile = new Map(sources.map((s) => [s.file, s.content]));
  for (const c of new Set([plan.source.connection, plan.target.connection])) {
    const text = byFile.get(objectFile('Connection', c));
    if (text !== undefined) files[`connections/${c}.yaml`] = text;
  }
  for (const l of plan.lookups) {
    const text = byFile.get(objectFile('LookupTable', l));
    if (text !== undefined) files[`lookups/${l}.yaml`] = text;
  }
  // The worker's catalogs must know the custom fields the plan was checked against.
  const systems = new Set([plan.source.system, plan.target.system]);
  for (const o of sorted) {
    if (o.kind !== 'EntitySchema' || !systems.has(String((o.spec as { system?: unknown } | undefined)?.system))) continue;
    const text = byFile.get(objectFile('EntitySchema', o.metadata.name));
    if (text !== undefined) files[`schemas/${o.metadata.name}.yaml`] = text;
  }
  const connections = sorted.filter((o) => o.kind === 'Connection' && (o.metadata.name === plan.source.connection || o.metadata.name === plan.target.connection));
  const secrets = [...new Set(connections.flatMap((o) => secretNames(o.spec)))].sort(cmp);
  const ordered = Object.fromEntries(Object.entries(files).sort(([a], [b]) => cmp(a, b)));
  return { ok: true, bundle: { files: ordered, hash: bundleHash(ordered), secrets, plan }, warnings: sortDiagnostics(diagnostics) };
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

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
