/**
 * The compile thread's entry (see compile-thread.ts): `{ id, spec, objects }` in, `{ id, result }` out
 * (plain data: files, plan, diagnostics), `{ id, error }` when the compiler itself throws.
 */
import { parentPort } from 'node:worker_threads';
import { compileSpec, type SpecObject } from './compile.ts';

parentPort?.on('message', (m: { id: number; spec: string; objects: SpecObject[] }) => {
  try {
    parentPort?.postMessage({ id: m.id, result: compileSpec(m.spec, m.objects) });
  } catch (err) {
    parentPort?.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
