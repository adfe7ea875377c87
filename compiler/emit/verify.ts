/**
 * Type-checks generated files under the project's own strict tsconfig with ts-morph, unfiltered
 * (after graphql-codegen's `validateTs`): the files are placed in memory at their real output paths so
 * `#support` and `./types.ts` resolve exactly as they will on disk.
 */
import { join, resolve } from 'node:path';
import { Project, ts as morphTs } from 'ts-morph';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { GeneratedFile } from './index.ts';

export interface VerifyOptions {
  /** Project root holding tsconfig.json and package.json (for `#support`). */
  root: string;
  /** Output directory the files belong to, relative to `root` or absolute. */
  outDir: string;
  /** How the output directory is named in diagnostics (default: `outDir`). */
  label?: string;
}

export function typeCheck(files: readonly GeneratedFile[], options: VerifyOptions): Diagnostic[] {
  const project = new Project({ tsConfigFilePath: join(options.root, 'tsconfig.json'), skipAddingFilesFromTsConfig: true });
  const outDir = resolve(options.root, options.outDir);
  const sources = files
    .filter((f) => f.path.endsWith('.ts'))
    .map((f) => project.createSourceFile(join(outDir, f.path), f.text, { overwrite: true }));
  const out: Diagnostic[] = [];
  for (const source of sources) {
    const program = project.getProgram();
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
        range: { file: `${(options.label ?? options.outDir).replace(/\/$/, '')}/${source.getFilePath().slice(outDir.length + 1)}`, start: pos, end: { ...pos, offset: start + (d.getLength() ?? 0) } },
      });
    }
  }
  return out;
}
