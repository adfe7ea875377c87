/**
 * `syncspec docs [--check] [--root dir]` — regenerates the reference docs (docs/reference/…) from the
 * schemas and other sources; with `--check`, changes nothing and exits 1 naming every stale page.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { applyDocs, planDocs, type DocsPlan } from '../docs/index.ts';

const USAGE = 'Usage: syncspec docs [--check] [--root <repo dir>]\n';

export async function run(args: string[], io: CliIO): Promise<number> {
  let options: { check: boolean; root: string };
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { check: { type: 'boolean', default: false }, root: { type: 'string', default: '.' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0] ?? ''}"`);
    options = { check: values.check, root: resolve(io.cwd, values.root) };
  } catch (err) {
    io.stderr(`syncspec docs: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_USAGE;
  }

  let plan: DocsPlan;
  try {
    plan = planDocs(options.root);
  } catch (err) {
    // A missing or unparsable source (schemas/<Kind>.schema.json) is an I/O problem, named in one line.
    io.stderr(`syncspec docs: cannot generate the reference docs under ${options.root}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const changes = [...plan.stale.map((p) => ({ path: p, what: 'stale' })), ...plan.orphaned.map((p) => ({ path: p, what: 'no longer generated' }))];
  if (options.check) {
    if (changes.length === 0) {
      io.stdout(`✔ ${plan.files.length} generated doc pages are up to date\n`);
      return EXIT_OK;
    }
    for (const c of changes) io.stderr(`${c.path}: ${c.what}\n`);
    io.stderr(`✖ ${changes.length} doc page(s) out of date — run \`npx syncspec docs\` and commit the result\n`);
    return EXIT_PROBLEMS;
  }
  applyDocs(options.root, plan);
  for (const c of plan.stale) io.stdout(`wrote ${c}\n`);
  for (const c of plan.orphaned) io.stdout(`deleted ${c}\n`);
  io.stdout(`✔ ${plan.files.length} doc pages, ${changes.length} changed\n`);
  return EXIT_OK;
}
