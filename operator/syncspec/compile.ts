/**
 * Compiles one SyncSpec as it lives in the cluster, with the same phases and diagnostics as
 * `syncspec generate`: the namespace's SyncSpecs (for `ref()`), Connections, LookupTables and
 * EntitySchemas become in-memory YAML files, go through load → schema → semantic checks, then the
 * mapping check, plan and emit of this one spec. The result is the bundle the worker runs.
 */
import { stringify } from 'yaml';
import { buildCatalogs } from '../../compiler/catalog/load.ts';
import { compileExpression } from '../../compiler/cel/index.ts';
import { sortDiagnostics, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { CodegenError } from '../../compiler/emit/code.ts';
import { emitSpec } from '../../compiler/emit/index.ts';
import { checkMapping, mappingRepo } from '../../compiler/mapping/index.ts';
import { buildPlan } from '../../compiler/plan/index.ts';
import { runPipelineOnSources } from '../../compiler/pipeline.ts';
import { bundleHash, cmp, objectFile, secretNames, selectContext, type CompileResult, type SpecObject } from './context.ts';

export { bundleHash, objectFile, secretNames, selectContext, specText, summarise, type Bundle, type CompileResult, type SpecObject } from './context.ts';

/** The YAML the compiler reads for an object; line:col in diagnostics refer to this text. */
export function objectYaml(o: SpecObject): string {
  const metadata: Record<string, unknown> = { name: o.metadata.name };
  if (o.metadata.labels && Object.keys(o.metadata.labels).length > 0) metadata.labels = o.metadata.labels;
  return stringify({ apiVersion: 'syncspec.dev/v1', kind: o.kind, metadata, spec: o.spec ?? {} }, { lineWidth: 0 });
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

