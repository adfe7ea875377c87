/**
 * `syncspec generate [--check] [--out generated] [--format pretty|json] [paths…]`: compiles the specs
 * (default `specs`) into `generated/`. `--check` writes nothing and exits 1 naming every stale, missing
 * or extra file, so CI fails when `generated/` does not match the specs.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { generateParallel } from '../emit/parallel.ts';
import { diffOutput, writeOutput } from '../emit/output.ts';
import { createTypeChecker, typeCheckNative } from '../emit/verify.ts';
import { renderPretty, useColor } from '../diagnostics/reporters/index.ts';
import { formatDiagnostics } from './format.ts';
import { loadRepo } from './repo.ts';

const USAGE = 'syncspec generate [--check] [--out generated] [--format pretty|json] [--no-typecheck] [--threads N] [paths…]';

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        check: { type: 'boolean', default: false },
        out: { type: 'string', default: 'generated' },
        format: { type: 'string', default: 'pretty' },
        'no-typecheck': { type: 'boolean', default: false },
        threads: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr(`syncspec generate: ${err instanceof Error ? err.message : String(err)}\nUsage: ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { check, out, format } = parsed.values;
  if (format !== 'pretty' && format !== 'json') {
    io.stderr(`syncspec generate: --format must be pretty or json, not "${format}"\n`);
    return EXIT_USAGE;
  }
  const threads = parsed.values.threads === undefined ? undefined : Number(parsed.values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
    io.stderr(`syncspec generate: --threads must be a whole number from 1 to 64, not "${parsed.values.threads}"\n`);
    return EXIT_USAGE;
  }
  const paths = parsed.positionals.length > 0 ? parsed.positionals : ['specs'];
  const repo = loadRepo(paths, io.cwd);
  if (repo.ioError) {
    io.stderr(formatDiagnostics(repo.diagnostics));
    return EXIT_USAGE;
  }
  const emit = reporter(io, format, repo.sources);
  const diagnostics: Diagnostic[] = [...repo.diagnostics];
  // Mapping type errors (SS31xx/SS32xx, found by the check phase) still go through the generator, which names
  // each spec left without code (SS4006); any other error stops here.
  const blocking = repo.diagnostics.some((d) => d.severity === 'error' && !/^SS3[12]\d\d$/.test(d.code));
  const result = blocking ? undefined : await generateParallel(repo.documents, repo.mapping, repo.sources, threads === undefined ? {} : { workers: threads - 1, threshold: 0 });
  // The check phase may already run the mapping checks (for `validate`); report each finding once.
  if (result) diagnostics.push(...result.diagnostics.filter((d) => !diagnostics.some((e) => sameDiagnostic(d, e))));
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  if (result && !hasErrors && parsed.values['no-typecheck'] !== true) {
    // The native tsc checks a whole repo several times faster than ts-morph; ts-morph is the fallback.
    const native = typeCheckNative(result.files, { root: repo.root, label: out });
    diagnostics.push(...(native ?? checkerFor(repo.root)(result.files, { outDir: resolve(io.cwd, out), label: out })));
  }
  const outDir = resolve(io.cwd, out);
  if (diagnostics.some((d) => d.severity === 'error') || !result) {
    emit({ ok: false, diagnostics: sortDiagnostics(diagnostics) });
    return EXIT_PROBLEMS;
  }
  if (check) {
    const diff = diffOutput(outDir, result.files);
    const problems: Diagnostic[] = [
      ...diff.stale.map((p) => fileProblem('SS4003', `${out}/${p}`, 'is stale')),
      ...diff.missing.map((p) => fileProblem('SS4004', `${out}/${p}`, 'is missing')),
      ...diff.extra.map((p) => fileProblem('SS4005', `${out}/${p}`, 'is not produced by any spec')),
    ];
    const all = sortDiagnostics([...diagnostics, ...problems]);
    emit({ ok: problems.length === 0, diagnostics: all, ...diff, files: result.files.length });
    if (format === 'pretty' && problems.length === 0) io.stdout(`${out}/ is up to date (${result.files.length} files)\n`);
    if (format === 'pretty' && problems.length > 0) io.stdout(`${out}/ is out of date: run \`syncspec generate\` and commit the result\n`);
    return problems.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
  }
  const report = writeOutput(outDir, result.files);
  const kept = report.kept.map((p) => ({
    ...fileProblem('SS4005', `${out}/${p}`, 'is not produced by any spec and was not written by syncspec; left in place'),
    severity: 'warning' as const,
  }));
  emit({
    ok: true,
    diagnostics: sortDiagnostics([...diagnostics, ...kept]),
    written: [...report.stale, ...report.missing].sort(),
    removed: report.extra.filter((p) => !report.kept.includes(p)),
    files: result.files.length,
  });
  if (format === 'pretty') {
    const changed = report.stale.length + report.missing.length;
    const removed = report.extra.length - report.kept.length;
    io.stdout(`generated ${result.specs.length} spec(s) into ${out}/: ${changed} file(s) written, ${removed} removed, ${result.files.length - changed} unchanged\n`);
  }
  return EXIT_OK;
}

/** One ts-morph project per package root for the life of the process, so repeated runs re-check incrementally. */
const checkers = new Map<string, ReturnType<typeof createTypeChecker>>();
function checkerFor(root: string): ReturnType<typeof createTypeChecker> {
  let checker = checkers.get(root);
  if (!checker) checkers.set(root, (checker = createTypeChecker(root)));
  return checker;
}

function sameDiagnostic(a: Diagnostic, b: Diagnostic): boolean {
  return a.code === b.code && a.summary === b.summary && a.range?.file === b.range?.file && a.range?.start.offset === b.range?.start.offset;
}

function fileProblem(code: string, file: string, what: string): Diagnostic {
  const at = { line: 1, col: 1, offset: 0 };
  return { code, severity: 'error', summary: `${file} ${what}`, range: { file, start: at, end: at } };
}

type Report = { ok: boolean; diagnostics: Diagnostic[] } & Record<string, unknown>;

function reporter(io: CliIO, format: 'pretty' | 'json', sources: ReadonlyMap<string, string | undefined>): (report: Report) => void {
  return (report) => {
    if (format === 'json') io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else if (report.diagnostics.length > 0) io.stdout(renderPretty(report.diagnostics, { color: useColor(io.env, io.isTTY), sources }));
  };
}
