/**
 * Type-checks generated files under the project's own strict tsconfig with ts-morph, unfiltered
 * (after graphql-codegen's `validateTs`): the files are placed in memory at their real output paths so
 * `#support` and `./types.ts` resolve exactly as they will on disk.
 */
import { join, resolve } from 'node:path';
import { Project, ts as morphTs, type SourceFile } from 'ts-morph';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { GeneratedFile } from './index.ts';

export interface VerifyOptions {
  /** Output directory the files belong to (absolute, or relative to the checker's root). */
  outDir: string;
  /** How the output directory is named in diagnostics (default: `outDir`). */
  label?: string;
}

/**
 * A reusable checker: one ts-morph project over the tsconfig at `root`; each call replaces the files it
 * checked last time, so repeated checks (tests, watch mode) only re-check what changed.
 */
export function createTypeChecker(root: string): (files: readonly GeneratedFile[], options: VerifyOptions) => Diagnostic[] {
  const project = new Project({ tsConfigFilePath: join(root, 'tsconfig.json'), skipAddingFilesFromTsConfig: true });
  let previous: SourceFile[] = [];
  return (files, options) => {
    const outDir = resolve(root, options.outDir);
    const sources = files
      .filter((f) => f.path.endsWith('.ts'))
      .map((f) => project.createSourceFile(join(outDir, f.path), f.text, { overwrite: true }));
    const keep = new Set(sources);
    for (const old of previous) if (!keep.has(old) && !old.wasForgotten()) project.removeSourceFile(old);
    previous = sources;
    const program = project.getProgram();
    const out: Diagnostic[] = [];
    const label = (options.label ?? options.outDir).replace(/\/$/, '');
    for (const source of sources) {
      for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
        const message = d.getMessageText();
        const text = typeof message === 'string' ? message : morphTs.flattenDiagnosticMessageText(message.compilerObject, '\n');
        const start = d.getStart() ?? 0;
        const lc = source.getLineAndColumnAtPos(start);
        const pos = { line: lc.line, col: lc.column, offset: start };
        out.push({
          code: 'SS4002',
          severity: 'error',
          summary: `generated code does not type-check: TS${d.getCode()} ${text.split('\n')[0] ?? ''}`,
          detail: text,
          range: { file: `${label}/${source.getFilePath().slice(outDir.length + 1)}`, start: pos, end: { ...pos, offset: start + (d.getLength() ?? 0) } },
        });
      }
    }
    return out;
  };
}

export function typeCheck(files: readonly GeneratedFile[], options: VerifyOptions & { root: string }): Diagnostic[] {
  return createTypeChecker(options.root)(files, options);
}
