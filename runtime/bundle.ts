/**
 * Loads the compiled bundles a `syncspec worker` runs: `<generated>/<spec>/` holding `plan.json`,
 * `transform.ts`, `types.ts` and the Connection and LookupTable documents the spec uses
 * (`connections/<name>.yaml`, `lookups/<name>.yaml`; EntitySchemas in `schemas/<name>.yaml` extend the
 * catalogs when present) — the layout of the operator's `<spec>-bundle`
 * ConfigMap as mounted, and of `generated/` (which holds no documents: those then come from `--repo`).
 *
 * The YAML documents go through the compiler's own load → schema → check pipeline, so a malformed
 * bundle is reported with the compiler's diagnostics (file:line:col) under one SS52xx code, never a
 * stack trace. Every problem of every bundle is collected before anything is started.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { buildCatalogs, type CatalogSet } from '../compiler/catalog/load.ts';
import { PACKAGE_ROOT } from '../compiler/cli/repo.ts';
import { sortDiagnostics, type Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../compiler/model.ts';
import { runPipeline, runPipelineOnSources } from '../compiler/pipeline.ts';
import type { Plan } from '../compiler/plan/types.ts';
import { importCompiledSpec } from './project.ts';
import { loadGeneratedSpec } from './specs.ts';
import type { WorkerSpec } from './worker.ts';

const SPEC_NAME = /^[a-z0-9]([a-z0-9-]{0,251}[a-z0-9])?$/;

/** A bundle could not be used; `diagnostics` say why (each with its SS52xx code, compiler findings included). */
export class BundleError extends Error {
  readonly code: string;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string | undefined>;
  constructor(diagnostics: Diagnostic[], sources: ReadonlyMap<string, string | undefined> = new Map()) {
    // The worker's own code leads (SS52xx); the compiler's findings it wraps follow with theirs.
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors.find((d) => /^SS52[2-3]\d$/.test(d.code)) ?? errors[0] ?? diagnostics[0];
    super(first ? `${first.code}: ${first.summary}` : 'bundle error');
    this.name = 'BundleError';
    this.code = first?.code ?? 'SS5220';
    this.diagnostics = sortDiagnostics(diagnostics);
    this.sources = sources;
  }
}

export interface BundleSetOptions {
  /** The directory the bundles lie in (`/app/generated` in the cluster, `generated` locally). */
  generated: string;
  /** Specs to load; every `<generated>/*` with a plan.json when omitted. */
  specs?: readonly string[];
  cwd: string;
  /** Repository whose Connections and LookupTables are used by bundles that carry none (`generated/`). */
  repo?: string;
  /** Writable directory for bundles outside the syncspec package (see `importTransform`). */
  buildDir: string;
}

export interface BundleSet {
  /** The plan and transform of each spec, sorted by name. */
  specs: WorkerSpec[];
  /** The Connection and LookupTable documents the specs use, one per name. */
  documents: LoadedDocument[];
  /** Built-in catalogs, extended by EntitySchemas of the `--repo` fallback when it was read. */
  catalogs: CatalogSet;
  /** Where each spec's Connections and LookupTables came from (for the start-up log). */
  origins: Record<string, 'bundle' | 'repo'>;
}

/** The spec directories under `generated` (those holding a plan.json), sorted. */
export function bundleNames(generated: string): string[] {
  if (!existsSync(generated) || !statSync(generated).isDirectory()) return [];
  return readdirSync(generated, { withFileTypes: true })
    .filter((e) => e.isDirectory() && SPEC_NAME.test(e.name) && existsSync(join(generated, e.name, 'plan.json')))
    .map((e) => e.name)
    .sort();
}

const error = (code: string, summary: string, detail?: string, file?: string): Diagnostic => ({
  code,
  severity: 'error',
  summary,
  ...(detail !== undefined ? { detail } : {}),
  ...(file !== undefined ? { range: { file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } } } : {}),
});

/** Reads `plan.json` of one bundle and checks it is this spec's plan; problems go to `diags`. */
export function readPlan(dir: string, name: string, diags: Diagnostic[]): Plan | undefined {
  const file = join(dir, 'plan.json');
  const transform = join(dir, 'transform.ts');
  const missing = [file, transform].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    diags.push(error('SS5220', `bundle ${name} is incomplete: ${missing.map((f) => relative(dir, f)).join(' and ')} missing in ${dir}`, 'A bundle holds plan.json and transform.ts (and types.ts); run `syncspec generate`, or check the ConfigMap and its mount.'));
    return undefined;
  }
  let plan: unknown;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    diags.push(error('SS5221', `bundle ${name}: plan.json is not JSON (${err instanceof Error ? err.message : String(err)})`, undefined, file));
    return undefined;
  }
  const p = plan as Partial<Plan> | null;
  const wrong =
    typeof p !== 'object' || p === null ? 'it is not an object'
    : p.name !== name ? `its name is ${JSON.stringify(p.name)}, not "${name}"`
    : typeof p.source?.connection !== 'string' || typeof p.target?.connection !== 'string' ? 'it names no source or target connection'
    : !Array.isArray(p.triggers) || !Array.isArray(p.lookups) ? 'it has no triggers or lookups list'
    : undefined;
  if (wrong !== undefined) {
    diags.push(error('SS5221', `bundle ${name}: plan.json is not the plan of this spec: ${wrong}`, 'Regenerate the bundle; plan.json is written by the compiler only.', file));
    return undefined;
  }
  return p as Plan;
}

interface Documents {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  sources: Map<string, string | undefined>;
}

/** `connections/*.yaml` and `lookups/*.yaml` of a bundle through the compiler's pipeline (file names relative to `cwd`). */
export function readBundleDocuments(dir: string, cwd: string): Documents | undefined {
  const files: { file: string; content: string }[] = [];
  for (const folder of ['connections', 'lookups', 'schemas']) {
    const at = join(dir, folder);
    if (!existsSync(at)) continue;
    for (const f of readdirSync(at).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const path = join(at, f);
      files.push({ file: displayPath(path, cwd), content: readFileSync(path, 'utf8') });
    }
  }
  if (files.length === 0) return undefined;
  const result = runPipelineOnSources(files);
  const diagnostics = [...result.diagnostics];
  for (const doc of result.documents) {
    const folder = doc.file.split('/').at(-2);
    const expected = folder === 'connections' ? 'Connection' : folder === 'lookups' ? 'LookupTable' : 'EntitySchema';
    if (doc.kind !== expected) {
      diagnostics.push({ code: 'SS5222', severity: 'error', summary: `${doc.file} holds a ${doc.kind}, not a ${expected}`, range: doc.locate(['kind']) });
    }
  }
  return { documents: result.documents.filter((d) => d.kind === 'Connection' || d.kind === 'LookupTable' || d.kind === 'EntitySchema'), diagnostics, sources: result.sources };
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel.startsWith('..') ? path : rel).split(sep).join('/');
}

/**
 * Imports a bundle's transform. Generated code imports `#support`, which resolves only inside the
 * syncspec package: a bundle there (the image's `/app/generated`, the repo's `generated/`) is imported in
 * place; one elsewhere is copied into `buildDir` with the specifier pointed at the support module.
 */
export async function importTransform(generated: string, name: string, buildDir: string): Promise<WorkerSpec> {
  const dir = resolve(generated, name);
  const inside = !relative(PACKAGE_ROOT, dir).startsWith('..') && !dir.split(sep).includes('node_modules');
  if (inside) return loadGeneratedSpec(resolve(generated), name);
  const files = ['plan.json', 'transform.ts', 'types.ts']
    .filter((f) => existsSync(join(dir, f)))
    .map((f) => ({ path: `${name}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
  return importCompiledSpec(buildDir, name, files);
}

/** The repository's Connections, LookupTables and EntitySchemas (the fallback for bundles without documents). */
function readRepoDocuments(repo: string, cwd: string): Documents {
  const result = runPipeline([repo], { cwd });
  const kinds = new Set(['Connection', 'LookupTable', 'EntitySchema']);
  const documents = result.documents.filter((d) => kinds.has(d.kind));
  // Which of these errors count is decided once it is known which documents are used (loadBundles).
  return { documents, diagnostics: result.diagnostics.filter((d) => d.severity === 'error'), sources: result.sources };
}

/**
 * Loads the selected bundles. Throws BundleError with every problem found (SS5220–SS5227 and the
 * compiler's diagnostics); nothing is started by this function.
 */
export async function loadBundles(options: BundleSetOptions): Promise<BundleSet> {
  const generated = resolve(options.cwd, options.generated);
  const diags: Diagnostic[] = [];
  const sources = new Map<string, string | undefined>();
  const names = options.specs && options.specs.length > 0 ? [...new Set(options.specs)].sort() : bundleNames(generated);
  if (names.length === 0) throw new BundleError([error('SS5220', `no spec bundles in ${options.generated}`, 'Expected <dir>/<spec>/plan.json; pass --generated and --spec.')]);
  const invalid = (found: readonly Diagnostic[], where: string): void => {
    const errors = found.filter((d) => d.severity === 'error');
    if (errors.length === 0) return;
    const files = [...new Set(errors.map((d) => d.range?.file).filter((f) => f !== undefined))].sort();
    diags.push(error('SS5222', `${where}: ${errors.length} error${errors.length === 1 ? '' : 's'} in its Connection / LookupTable documents${files.length > 0 ? ` (${files.join(', ')})` : ''}`, 'The compiler\'s diagnostics follow.'));
    diags.push(...errors);
  };
  let repoDocs: Documents | undefined;
  const fromRepo = (): Documents | undefined => {
    if (options.repo === undefined) return undefined;
    if (!repoDocs) {
      repoDocs = readRepoDocuments(options.repo, options.cwd);
      for (const [f, t] of repoDocs.sources) sources.set(f, t);
    }
    return repoDocs;
  };
  const plans: { name: string; plan: Plan }[] = [];
  const chosen = new Map<string, { doc: LoadedDocument; text: string; spec: string }>();
  const origins: Record<string, 'bundle' | 'repo'> = {};
  for (const name of names) {
    if (!SPEC_NAME.test(name)) {
      diags.push(error('SS5220', `not a spec name: ${JSON.stringify(name)}`, 'Spec names are Kubernetes object names: lower-case letters, digits and "-".'));
      continue;
    }
    const dir = join(generated, name);
    if (!existsSync(dir)) {
      diags.push(error('SS5220', `no bundle for spec ${name}: ${join(options.generated, name)} does not exist`, `Bundles present: ${bundleNames(generated).join(', ') || '(none)'}.`));
      continue;
    }
    const plan = readPlan(dir, name, diags);
    if (!plan) continue;
    let docs = readBundleDocuments(dir, options.cwd);
    origins[name] = 'bundle';
    if (docs) {
      for (const [f, t] of docs.sources) sources.set(f, t);
      invalid(docs.diagnostics, `bundle ${name}`);
    } else {
      docs = fromRepo();
      origins[name] = 'repo';
    }
    const available = docs?.documents ?? [];
    const find = (kind: string, n: string) => available.find((d) => d.kind === kind && d.name === n);
    const where = origins[name] === 'bundle' ? `the bundle ${join(options.generated, name)}` : options.repo !== undefined ? `the bundle or ${options.repo}` : `the bundle (it carries no Connection or LookupTable documents; pass --repo)`;
    for (const c of [...new Set([plan.source.connection, plan.target.connection])]) {
      if (!find('Connection', c)) diags.push(error('SS5223', `spec ${name} uses connection "${c}", which is not in ${where}`));
    }
    for (const l of plan.lookups) {
      if (!find('LookupTable', l)) diags.push(error('SS5224', `spec ${name} uses lookup table "${l}", which is not in ${where}`));
    }
    const used = new Set([plan.source.connection, plan.target.connection, ...plan.lookups]);
    for (const doc of available) {
      if (doc.name === undefined || (doc.kind !== 'EntitySchema' && !used.has(doc.name))) continue;
      const key = `${doc.kind}/${doc.name}`;
      const text = JSON.stringify(doc.value);
      const seen = chosen.get(key);
      if (!seen) chosen.set(key, { doc, text, spec: name });
      else if (seen.text !== text) diags.push(error('SS5227', `${doc.kind} ${doc.name} differs between the bundles of ${seen.spec} and ${name}`, 'One worker builds one connector per connection; run these specs in separate workers.'));
    }
    plans.push({ name, plan });
  }
  if (repoDocs && options.repo !== undefined) {
    // Only the repository's documents in use count (and its EntitySchemas, which shape the catalogs): a
    // broken spec elsewhere is not this worker's concern. Files that did not load at all may hold a
    // document that is missing, so their errors count when one is.
    const used = new Set([...chosen.values()].map((c) => c.doc.file));
    for (const d of repoDocs.documents) if (d.kind === 'EntitySchema') used.add(d.file);
    const missing = diags.some((d) => d.code === 'SS5223' || d.code === 'SS5224');
    invalid(repoDocs.diagnostics.filter((d) => (d.range !== undefined && used.has(d.range.file)) || (missing && d.code.startsWith('SS1'))), options.repo);
  }
  if (diags.some((d) => d.severity === 'error')) throw new BundleError(diags, sources);
  const specs: WorkerSpec[] = [];
  for (const { name } of plans) {
    try {
      const spec = await importTransform(generated, name, resolve(options.cwd, options.buildDir));
      if (typeof spec.transform.filter !== 'function' || typeof spec.transform.transform !== 'function') throw new Error('it does not export filter and transform');
      specs.push(spec);
    } catch (err) {
      diags.push(error('SS5225', `bundle ${name}: transform.ts cannot be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, undefined, join(generated, name, 'transform.ts')));
    }
  }
  if (diags.length > 0) throw new BundleError(diags, sources);
  const documents = [...chosen.values()].map((c) => c.doc).sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
  return { specs, documents, catalogs: buildCatalogs(documents), origins };
}
