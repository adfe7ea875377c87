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
  compiled: { mapping: CompiledMapping; plan: Plan }[];
}

export function generateFiles(docs: readonly LoadedDocument[], repo: MappingRepo): GenerateOutput {
  const checked = checkMappings(docs, repo);
  const diagnostics = [...checked.diagnostics];
  const byName = new Map(docs.filter((d) => d.kind === 'SyncSpec').map((d) => [d.name, d]));
  for (const name of checked.failed) {
    const doc = byName.get(name);
    const d: Diagnostic = {
      code: 'SS4006',
      severity: 'error',
      summary: `no code generated for spec "${name}": it has errors`,
      detail: 'Fix the errors reported for this spec; generated/ is left as it was.',
    };
    if (doc) d.range = doc.locate(['metadata', 'name']);
    diagnostics.push(d);
  }
  const compiled: GenerateOutput['compiled'] = [];
  const files: GeneratedFile[] = [];
  for (const mapping of checked.mappings) {
    const plan = buildPlan(mapping);
    try {
      files.push(...emitSpec(mapping, plan));
      compiled.push({ mapping, plan });
    } catch (err) {
      if (!(err instanceof CodegenError)) throw err;
      const doc = byName.get(mapping.name);
      const d: Diagnostic = { code: err.code, severity: 'error', summary: err.message.replace(/^SS\d+: /, '') };
      if (doc) d.range = doc.locate(['metadata', 'name']);
      diagnostics.push(d);
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { files: [], diagnostics, compiled };
  files.push(emitRegistry(compiled.map((c) => c.mapping.name)));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, diagnostics, compiled };
}
