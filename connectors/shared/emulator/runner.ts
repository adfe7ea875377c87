/**
 * Command-line runner shared by the emulators' `main.ts`:
 *   node connectors/<system>/emulator/main.ts [--port 0] [--seed records.json] [--faults '{"errorRate":0.1}']
 * prints one line `<name> emulator listening on <url>` and runs until SIGINT / SIGTERM.
 * Bad arguments exit 2 with a message naming the argument.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FaultConfigError, parseFaultConfig, type FaultConfig } from './faults.ts';

export interface RunnerOptions {
  port: number;
  seed?: Record<string, Record<string, unknown>[]>;
  faults?: FaultConfig;
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: main.ts [--port N] [--seed file.json] [--faults JSON]\n`);
  process.exit(2);
}

export function parseRunnerArgs(argv: string[]): RunnerOptions {
  let values;
  try {
    values = parseArgs({ args: argv, options: { port: { type: 'string', default: '0' }, seed: { type: 'string' }, faults: { type: 'string' } } }).values;
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  const out: RunnerOptions = { port };
  if (values.seed !== undefined) {
    let seed: unknown;
    try {
      seed = JSON.parse(readFileSync(values.seed, 'utf8')) as unknown;
    } catch (e) {
      usage(`--seed ${values.seed}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof seed !== 'object' || seed === null || Array.isArray(seed) || !Object.values(seed).every(Array.isArray)) {
      usage(`--seed ${values.seed}: expected {"<entity>": [records]}`);
    }
    out.seed = seed as Record<string, Record<string, unknown>[]>;
  }
  if (values.faults !== undefined) {
    try {
      out.faults = parseFaultConfig(JSON.parse(values.faults) as unknown);
    } catch (e) {
      usage(`--faults: ${e instanceof FaultConfigError || e instanceof SyntaxError ? e.message : String(e)}`);
    }
  }
  return out;
}

export async function runEmulator<E extends { url: string; close(): Promise<void> }>(name: string, start: (opts: RunnerOptions) => Promise<E>, detail?: (e: E) => string): Promise<void> {
  const opts = parseRunnerArgs(process.argv.slice(2));
  let emulator;
  try {
    emulator = await start(opts);
  } catch (e) {
    process.stderr.write(`${name} emulator could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${name} emulator listening on ${emulator.url}${detail ? ` (${detail(emulator)})` : ''}\n`);
  const stop = (): void => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
