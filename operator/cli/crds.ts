/**
 * `syncspec crds [--out charts/syncspec/crds] [--schemas schemas] [--check]`: writes the
 * syncspec.dev/v1 CRDs derived from the JSON Schemas; `--check` writes nothing and exits 1 naming
 * every stale, missing or left-over file (SS6001).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { formatDiagnostics } from '../../compiler/cli/format.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { GROUP, KINDS, crdFor, loadSchema, renderCrd } from '../crds/crds.ts';

export interface RenderedCrds {
  files: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** Renders every CRD; a kind whose schema cannot be read yields SS6002 and no file. */
export function renderAll(schemasDir: string): RenderedCrds {
  const files = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const info of KINDS) {
    const schemaFile = join(schemasDir, `${info.kind}.schema.json`);
    try {
      const crd = crdFor(info, loadSchema(schemasDir, info.kind));
      files.set(crd.file, renderCrd(crd, info.kind));
      for (const l of crd.loosened) {
        diagnostics.push({ code: 'SS6003', severity: 'info', summary: `${info.kind} ${l.path}: ${l.why}`, detail: 'The compiler still enforces this rule; the API server does not.' });
      }
    } catch (err) {
      diagnostics.push({ code: 'SS6002', severity: 'error', summary: `cannot derive the ${info.kind} CRD from ${schemaFile}`, detail: err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err) });
    }
  }
  return { files, diagnostics };
}

/** Files under `outDir` that differ from `files`, are missing, or are generated left-overs. */
export function staleFiles(outDir: string, files: Map<string, string>): { file: string; why: 'differs' | 'missing' | 'left over' }[] {
  const stale: { file: string; why: 'differs' | 'missing' | 'left over' }[] = [];
  for (const [file, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const path = join(outDir, file);
    if (!existsSync(path)) stale.push({ file, why: 'missing' });
    else if (readFileSync(path, 'utf8') !== text) stale.push({ file, why: 'differs' });
  }
  if (existsSync(outDir)) {
    for (const f of readdirSync(outDir).sort()) {
      if (f.startsWith(`${GROUP}_`) && f.endsWith('.yaml') && !files.has(f)) stale.push({ file: f, why: 'left over' });
    }
  }
  return stale;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  let values: { out?: string; schemas?: string; check?: boolean; quiet?: boolean };
  try {
    ({ values } = parseArgs({ args, options: {
      out: { type: 'string', default: 'charts/syncspec/crds' },
      schemas: { type: 'string', default: 'schemas' },
      check: { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
    } }));
  } catch (err) {
    io.stderr(`syncspec crds: ${err instanceof Error ? err.message : String(err)}\nUsage: syncspec crds [--out charts/syncspec/crds] [--schemas schemas] [--check] [--quiet]\n`);
    return EXIT_USAGE;
  }
  const outDir = resolve(io.cwd, values.out ?? 'charts/syncspec/crds');
  const { files, diagnostics } = renderAll(resolve(io.cwd, values.schemas ?? 'schemas'));
  const shown = values.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
  if (shown.length) io.stderr(formatDiagnostics(shown));
  if (diagnostics.some((d) => d.severity === 'error')) return EXIT_PROBLEMS;
  const shownOut = relative(io.cwd, outDir) || '.';
  if (values.check) {
    const stale = staleFiles(outDir, files);
    if (stale.length === 0) { io.stdout(`CRDs in ${shownOut} are up to date (${files.size} files)\n`); return EXIT_OK; }
    io.stderr(formatDiagnostics(stale.map((s) => ({
      code: 'SS6001', severity: 'error' as const,
      summary: `${join(shownOut, s.file)} is stale (${s.why})`,
      detail: s.why === 'left over' ? 'No kind generates this file any more: delete it.' : 'Run `syncspec crds` and commit the result.',
    }))));
    return EXIT_PROBLEMS;
  }
  try {
    mkdirSync(outDir, { recursive: true });
    for (const [file, text] of files) writeFileSync(join(outDir, file), text);
  } catch (err) {
    io.stderr(`syncspec crds: cannot write ${shownOut}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  io.stdout(`wrote ${files.size} CRDs to ${shownOut}\n`);
  return EXIT_OK;
}
