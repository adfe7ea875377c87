/** Loads a generated spec (plan.json + transform module) and the example repo's lookup tables, for worker tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Plan } from '../../compiler/plan/types.ts';
import type { LookupTableData } from '../../runtime/delivery/lookups.ts';
import type { CompiledTransform } from '../../runtime/support/transform.ts';
import type { WorkerSpec } from '../../runtime/worker.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export async function loadCompiledSpec(name: string): Promise<WorkerSpec> {
  const plan = JSON.parse(readFileSync(join(ROOT, 'generated', name, 'plan.json'), 'utf8')) as Plan;
  const mod = (await import(join(ROOT, 'generated', name, 'transform.ts'))) as unknown as CompiledTransform;
  return { plan, transform: { filter: mod.filter, transform: mod.transform } as CompiledTransform };
}

export function loadLookupTables(): Record<string, LookupTableData> {
  const dir = join(ROOT, 'specs', 'lookups');
  const out: Record<string, LookupTableData> = {};
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.yaml')) continue;
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { metadata: { name: string }; spec: LookupTableData };
    out[doc.metadata.name] = { entries: doc.spec.entries, ...(doc.spec.default !== undefined ? { default: doc.spec.default } : {}) };
  }
  return out;
}
