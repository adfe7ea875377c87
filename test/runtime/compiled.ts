/** Loads a generated spec (plan.json + transform module) and the example repo's lookup tables, for worker tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { LookupTableData } from '../../runtime/support/transform.ts';
import { loadGeneratedSpec } from '../../runtime/specs.ts';
import type { WorkerSpec } from '../../runtime/worker.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export function loadCompiledSpec(name: string): Promise<WorkerSpec> {
  return loadGeneratedSpec(join(ROOT, 'generated'), name);
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
