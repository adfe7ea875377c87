/**
 * `syncspec demo [--records N] [--seed S] [--keep-running] [--dir D]`: customers and orders flowing from
 * a Salesforce emulator to a Kingdee emulator through the example specs, then a summary. Exit 0 when
 * every record ended where it should (SS5095 and exit 1 otherwise).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import { useColor } from '../../compiler/diagnostics/reporters/index.ts';
import { ProjectError, reportProjectError } from '../project.ts';
import { createProgress } from '../demo/progress.ts';
import { runDemo } from '../demo/run.ts';
import { DEMO_SEED } from '../demo/seed.ts';
import { renderSummary } from '../demo/summary.ts';
import { untilInterrupted } from './signals.ts';

const USAGE = 'syncspec demo [--records N] [--seed S] [--keep-running] [--dir <work dir>]';
export const DEFAULT_RECORDS = 3000;

export async function run(args: string[], io: CliIO): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        records: { type: 'string', default: String(DEFAULT_RECORDS) },
        seed: { type: 'string', default: String(DEMO_SEED) },
        'keep-running': { type: 'boolean', default: false },
        dir: { type: 'string' },
      },
    }).values;
  } catch (err) {
    io.stderr(`syncspec demo: ${err instanceof Error ? err.message : String(err)}\nUsage: ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const records = Number(values.records);
  const seed = Number(values.seed);
  if (!Number.isInteger(records) || records < 20 || records > 100_000) {
    io.stderr(`syncspec demo: --records must be a whole number from 20 to 100000, not "${values.records}"\n`);
    return EXIT_USAGE;
  }
  if (!Number.isInteger(seed) || seed < 0) {
    io.stderr(`syncspec demo: --seed must be a non-negative whole number, not "${values.seed}"\n`);
    return EXIT_USAGE;
  }
  const keepRunning = values['keep-running'] === true;
  const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false';
  const color = useColor(io.env, io.isTTY);
  const ownDir = values.dir === undefined;
  const workDir = ownDir ? mkdtempSync(join(tmpdir(), 'syncspec-demo-')) : resolve(io.cwd, values.dir as string);
  const progress = createProgress(io.stdout, { tty: io.isTTY && !ci, color });
  let demo;
  try {
    demo = await runDemo({ records, seed, workDir, progress });
  } catch (err) {
    if (err instanceof ProjectError || (err instanceof Error && /^SS\d{4}: /.test(err.message))) {
      io.stdout('\n');
      reportProjectError(err, io);
      return EXIT_PROBLEMS;
    }
    throw err;
  } finally {
    if (ownDir && !keepRunning && demo === undefined) rmSync(workDir, { recursive: true, force: true });
  }
  const { report } = demo;
  const code = report.problems.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
  // The store and log are worth a look when something differed; otherwise an own temp dir is removed at exit.
  const removeDir = ownDir && code === EXIT_OK;
  io.stdout(renderSummary(report, { color, keepRunning, storeKept: !removeDir || keepRunning }));
  if (keepRunning) {
    io.stdout('Running until Ctrl-C: the worker, the emulators and their endpoints above stay up.\n');
    await untilInterrupted();
    io.stdout('\nstopping…\n');
  }
  await demo.stop();
  if (removeDir) rmSync(workDir, { recursive: true, force: true });
  return code;
}
