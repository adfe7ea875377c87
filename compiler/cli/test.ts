/**
 * `syncspec test [spec…] [--specs specs] [--out generated] [--format pretty|json]`: runs every example of
 * the specs through the GENERATED filter and transform (the code that will run in production) and
 * prints pass/fail per example with a field-level diff on mismatch. Exit 1 when any example fails.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument, LookupTableBody, SyncSpecBody } from '../model.ts';
import { crosswalkRef, tableLookup, type CompiledTransform, type FieldError, type TransformContext } from '../../runtime/support/transform.ts';
import { loadDocuments } from './documents.ts';
import { diffValues, show, type FieldDiff } from './example-diff.ts';
import { formatDiagnostics } from './format.ts';

const USAGE = 'syncspec test [spec…] [--specs specs] [--out generated] [--format pretty|json]';

type Example = NonNullable<SyncSpecBody['examples']>[number];

export interface ExampleOutcome {
  spec: string;
  example: string;
  /** `file:line:col` of the example. */
  at: string;
  ok: boolean;
  /** What went wrong, one line each (empty when ok). */
  problems: string[];
  diff: FieldDiff[];
  code?: string;
}

function lookupTables(docs: readonly LoadedDocument[]): Map<string, LookupTableBody> {
  const out = new Map<string, LookupTableBody>();
  for (const d of docs) {
    const spec = (d.value as { spec?: LookupTableBody } | null)?.spec;
    if (d.kind === 'LookupTable' && d.name !== undefined && spec && !out.has(d.name)) out.set(d.name, spec);
  }
  return out;
}

export function exampleContext(tables: ReadonlyMap<string, LookupTableBody>, refs: Example['refs']): TransformContext {
  return { lookup: tableLookup(tables), ref: crosswalkRef(refs ?? {}) };
}

const describeError = (e: FieldError): string => `${e.path}: ${e.code} ${e.message} (${e.at})`;

/** Runs one example against a generated module; never throws. */
export function runExample(spec: string, at: string, example: Example, mod: CompiledTransform, ctx: TransformContext): ExampleOutcome {
  const outcome: ExampleOutcome = { spec, example: example.name, at, ok: true, problems: [], diff: [] };
  const fail = (code: string, problem: string): void => {
    outcome.ok = false;
    outcome.code ??= code;
    outcome.problems.push(problem);
  };
  try {
    const kept = mod.filter(example.input, ctx);
    if (example.expectFiltered === true) {
      if (kept) fail('SS4012', 'expected the filter to drop the record, but it was kept');
      return outcome;
    }
    if (!kept) {
      fail('SS4012', 'the filter dropped the record, but the example expects a result');
      return outcome;
    }
    const result = mod.transform(example.input, ctx);
    if (example.expectErrors !== undefined) {
      const errors = result.ok ? [] : result.errors;
      for (const [path, text] of Object.entries(example.expectErrors).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const hit = errors.find((e) => e.path === path);
        if (!hit) fail('SS4011', `expected an error at ${path} containing "${text}", but there was none`);
        else if (!hit.message.includes(text) && hit.code !== text) fail('SS4011', `expected the error at ${path} to contain "${text}"; it was: ${hit.message}`);
      }
      for (const e of errors) {
        if (!Object.hasOwn(example.expectErrors, e.path)) fail('SS4011', `unexpected error ${describeError(e)}`);
      }
      return outcome;
    }
    if (!result.ok) {
      for (const e of result.errors) fail('SS4010', `field error ${describeError(e)}`);
      return outcome;
    }
    if (example.expect !== undefined) {
      outcome.diff = diffValues(example.expect, result.value);
      if (outcome.diff.length > 0) fail('SS4010', `${outcome.diff.length} field(s) differ`);
    }
  } catch (err) {
    fail('SS4010', `the generated code threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  return outcome;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        specs: { type: 'string', default: 'specs' },
        out: { type: 'string', default: 'generated' },
        format: { type: 'string', default: 'pretty' },
      },
    });
  } catch (err) {
    io.stderr(`syncspec test: ${err instanceof Error ? err.message : String(err)}\nUsage: ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { format, out, specs } = parsed.values;
  if (format !== 'pretty' && format !== 'json') {
    io.stderr(`syncspec test: --format must be pretty or json, not "${format}"\n`);
    return EXIT_USAGE;
  }
  const loaded = loadDocuments([specs], io.cwd);
  if (loaded.ioError) {
    io.stderr(formatDiagnostics(loaded.diagnostics));
    return EXIT_USAGE;
  }
  const wanted = new Set(parsed.positionals);
  const syncSpecs = loaded.documents
    .filter((d) => d.kind === 'SyncSpec' && d.name !== undefined && (wanted.size === 0 || wanted.has(d.name)))
    .sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  const diagnostics: Diagnostic[] = loaded.diagnostics.filter((d) => d.severity === 'error');
  for (const name of [...wanted].sort()) {
    if (!syncSpecs.some((d) => d.name === name)) {
      diagnostics.push({ code: 'SS4013', severity: 'error', summary: `no SyncSpec named "${name}" under ${specs}` });
    }
  }
  const tables = lookupTables(loaded.documents);
  const outcomes: ExampleOutcome[] = [];
  for (const doc of syncSpecs) {
    const name = doc.name as string;
    const body = (doc.value as { spec?: SyncSpecBody }).spec;
    const examples = body?.examples ?? [];
    if (examples.length === 0) continue;
    const modulePath = join(resolve(io.cwd, out), name, 'transform.ts');
    let mod: CompiledTransform;
    try {
      if (!existsSync(modulePath)) throw new Error(`${out}/${name}/transform.ts does not exist`);
      mod = (await import(pathToFileURL(modulePath).href)) as CompiledTransform;
    } catch (err) {
      diagnostics.push({
        code: 'SS4013',
        severity: 'error',
        summary: `cannot load the generated code of "${name}": ${err instanceof Error ? err.message : String(err)}`,
        detail: 'Run `syncspec generate` first.',
        range: doc.locate(['metadata', 'name']),
      });
      continue;
    }
    examples.forEach((example, i) => {
      const { start } = doc.locate(['spec', 'examples', i]);
      const at = `${doc.file}:${start.line}:${start.col}`;
      outcomes.push(runExample(name, at, example, mod, exampleContext(tables, example.refs)));
    });
  }
  const failed = outcomes.filter((o) => !o.ok);
  const ok = failed.length === 0 && diagnostics.length === 0;
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ ok, passed: outcomes.length - failed.length, failed: failed.length, examples: outcomes, diagnostics }, (_k, v: unknown) => (v === undefined ? null : v), 2)}\n`);
  } else {
    io.stdout(renderPretty(outcomes));
    if (diagnostics.length > 0) io.stdout(formatDiagnostics(diagnostics));
    io.stdout(`\n${outcomes.length - failed.length} passed, ${failed.length} failed (${outcomes.length} examples in ${new Set(outcomes.map((o) => o.spec)).size} specs)\n`);
  }
  return ok ? EXIT_OK : EXIT_PROBLEMS;
}

export function renderPretty(outcomes: readonly ExampleOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    lines.push(`${o.ok ? 'PASS' : 'FAIL'} ${o.spec} › ${o.example}`);
    if (o.ok) continue;
    lines.push(`     ${o.at}  ${o.code ?? ''}`);
    for (const p of o.problems) lines.push(`     ${p}`);
    for (const d of o.diff) lines.push(`       ${d.path}: expected ${show(d.expected)}, got ${show(d.actual)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
