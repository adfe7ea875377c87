/**
 * Type-checks generated files under the project's own strict tsconfig with ts-morph, unfiltered
 * (after graphql-codegen's `validateTs`): the files are placed in memory at their real output paths so
 * `#support` and `./types.ts` resolve exactly as they will on disk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Project, ts as morphTs, type SourceFile } from 'ts-morph';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { GeneratedFile } from './index.ts';

export interface VerifyOptions {
  /** Output directory the files belong to (absolute, or relative to the checker's root). */
  outDir: string;
  /** How the output directory is named in diagnostics (default: `outDir`). */
  label?: string;
  /** Keep the files of earlier calls in the project (incremental use); by default each call replaces them. */
  keep?: boolean;
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
    if (options.keep !== true) {
      const keep = new Set(sources);
      for (const old of previous) if (!keep.has(old) && !old.wasForgotten()) project.removeSourceFile(old);
      previous = sources;
    }
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

/** The project's own TypeScript 7 compiler (native, multi-threaded), when it is installed. */
export function nativeTsc(root: string): { file: string; args: string[] } | undefined {
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8')) as { version?: string };
    if (!existsSync(bin) || Number(pkg.version?.split('.')[0]) < 7) return undefined;
  } catch {
    return undefined;
  }
  // The platform's executable itself when it is where TypeScript's launcher finds it: the launcher is a Node
  // process that only replaces itself with it (~0.1 s here).
  const exe = join(root, 'node_modules', '@typescript', `typescript-${process.platform}-${process.arch}`, 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
  return existsSync(exe) ? { file: exe, args: [] } : { file: process.execPath, args: [bin] };
}

let scratchCounter = 0;

/**
 * Bulk type-check with the native `tsc`: the files are written to a scratch folder inside the package
 * (so `#support` resolves through its package.json) with a tsconfig that extends the project's, and
 * tsc's diagnostics for those files come back as SS4002. Undefined when tsc 7 is not installed.
 */
export function typeCheckNative(files: readonly GeneratedFile[], options: { root: string; label: string }): Diagnostic[] | undefined {
  const tsc = nativeTsc(options.root);
  if (!tsc) return undefined;
  const scratch = join(options.root, '.cache', 'syncspec', `typecheck-${process.pid}-${scratchCounter++}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    for (const f of files) {
      if (!f.path.endsWith('.ts')) continue;
      mkdirSync(dirname(join(scratch, f.path)), { recursive: true });
      writeFileSync(join(scratch, f.path), f.text);
    }
    const base = relative(scratch, join(options.root, 'tsconfig.json')).split(sep).join('/');
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ extends: base, include: ['**/*.ts'], exclude: [] }));
    let output = '';
    try {
      execFileSync(tsc.file, [...tsc.args, '-p', join(scratch, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      output = String((err as { stdout?: unknown }).stdout ?? '') + String((err as { stderr?: unknown }).stderr ?? '');
      if (output.trim() === '') throw err;
    }
    return parseTscOutput(output, scratch, options.label);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `file(line,col): error TS1234: message` lines (continuation lines indented) → SS4002 for files in `scratch`. */
export function parseTscOutput(output: string, scratch: string, label: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lines = output.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(lines[i] as string);
    if (!m) continue;
    const detail = [m[5] as string];
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1] as string)) detail.push((lines[++i] as string).trim());
    const full = resolve(scratch, m[1] as string);
    if (!full.startsWith(scratch + sep)) continue; // problems of other modules are theirs to report
    const pos = { line: Number(m[2]), col: Number(m[3]), offset: 0 };
    out.push({
      code: 'SS4002',
      severity: 'error',
      summary: `generated code does not type-check: ${m[4]} ${m[5]}`,
      detail: detail.join('\n'),
      range: { file: `${label.replace(/\/$/, '')}/${relative(scratch, full).split(sep).join('/')}`, start: pos, end: pos },
    });
  }
  return out;
}
