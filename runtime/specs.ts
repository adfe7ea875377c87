/**
 * Loads compiled specs from `generated/`: `plan.json` (the plan types of the compiler) and the
 * transform module (`filter`, `transform`), for a worker to run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plan } from '../compiler/plan/types.ts';
import type { CompiledTransform } from './support/transform.ts';
import type { WorkerSpec } from './worker.ts';

export async function loadGeneratedSpec(generatedDir: string, name: string): Promise<WorkerSpec> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`not a spec name: ${JSON.stringify(name)}`);
  const plan = JSON.parse(await readFile(join(generatedDir, name, 'plan.json'), 'utf8')) as Plan;
  const mod = (await import(pathToFileURL(join(generatedDir, name, 'transform.ts')).href)) as Partial<CompiledTransform>;
  if (typeof mod.filter !== 'function' || typeof mod.transform !== 'function') {
    throw new Error(`generated/${name}/transform.ts does not export filter and transform`);
  }
  return { plan, transform: { filter: mod.filter, transform: mod.transform } };
}
