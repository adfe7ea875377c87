/** From checked documents to the files of `generated/`: mapping checks → plan → emit, for the whole repo. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { checkMappings } from '../mapping/index.ts';
import type { CompiledMapping, MappingRepo } from '../mapping/types.ts';
import type { LoadedDocument } from '../model.ts';
import { buildPlan } from '../plan/index.ts';
import type { Plan } from '../plan/types.ts';
import { CodegenError } from './code.ts';
import { emitRegistry, emitSpec, type GeneratedFile } from './index.ts';

export interface GenerateOutput {
  /** Every file of the output directory, sorted by path; empty when any spec has errors. */
  files: GeneratedFile[];
  diagnostics: Diagnostic[];
  /** Names of the specs code was generated for, sorted. */
  specs: string[];
}

/** What one share of the specs produced: their files (no registry), problems, and which failed. */
export interface SpecsOutput {
  files: GeneratedFile[];
  diagnostics: Diagnostic[];
  generated: string[];
  failed: string[];
  /** CodegenError per spec name, located later by the caller that holds the documents. */
  codegenErrors: { spec: string; code: string; message: string }[];
}

/** Compiles, plans and emits the specs of `docs` named in `only` (all when omitted). */
export function generateSpecs(docs: readonly LoadedDocument[], repo: MappingRepo, only?: ReadonlySet<string>): SpecsOutput & { compiled: { mapping: CompiledMapping; plan: Plan }[] } {
  const checked = checkMappings(docs, repo, only);
  const out: SpecsOutput & { compiled: { mapping: CompiledMapping; plan: Plan }[] } = {
    files: [],
    diagnostics: checked.diagnostics,
    generated: [],
    failed: checked.failed,
    codegenErrors: [],
    compiled: [],
  };
  for (const mapping of checked.mappings) {
    const plan = buildPlan(mapping);
    try {
      out.files.push(...emitSpec(mapping, plan));
      out.generated.push(mapping.name);
      out.compiled.push({ mapping, plan });
    } catch (err) {
      if (!(err instanceof CodegenError)) throw err;
      out.codegenErrors.push({ spec: mapping.name, code: err.code, message: err.message.replace(/^SS\d+: /, '') });
    }
  }
  return out;
}

/** Joins the outputs of one or more shares into the output directory: SS4006 per failed spec, the registry, sorted. */
export function assemble(docs: readonly LoadedDocument[], parts: readonly SpecsOutput[]): GenerateOutput {
  const byName = new Map(docs.filter((d) => d.kind === 'SyncSpec').map((d) => [d.name, d]));
  const at = (name: string) => byName.get(name)?.locate(['metadata', 'name']);
  const diagnostics = parts.flatMap((p) => p.diagnostics);
  for (const name of parts.flatMap((p) => p.failed).sort()) {
    const d: Diagnostic = {
      code: 'SS4006',
      severity: 'error',
      summary: `no code generated for spec "${name}": it has errors`,
      detail: 'Fix the errors reported for this spec; generated/ is left as it was.',
    };
    const range = at(name);
    if (range) d.range = range;
    diagnostics.push(d);
  }
  for (const e of parts.flatMap((p) => p.codegenErrors)) {
    const d: Diagnostic = { code: e.code, severity: 'error', summary: e.message };
    const range = at(e.spec);
    if (range) d.range = range;
    diagnostics.push(d);
  }
  const specs = parts.flatMap((p) => p.generated).sort();
  if (diagnostics.some((d) => d.severity === 'error')) return { files: [], diagnostics, specs };
  const files = [...parts.flatMap((p) => p.files), emitRegistry(specs)];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, diagnostics, specs };
}

export function generateFiles(docs: readonly LoadedDocument[], repo: MappingRepo): GenerateOutput {
  return assemble(docs, [generateSpecs(docs, repo)]);
}
