/** Phase 4: the plan of one compiled mapping, normalised and sealed with a content hash. */
import type { CompiledField, CompiledMapping } from '../mapping/types.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { passes, type PlanBody, type PlanDraft } from './passes.ts';
import type { Plan, PlanFieldPosition } from './types.ts';

function positions(fields: readonly CompiledField[], out: PlanFieldPosition[] = []): PlanFieldPosition[] {
  for (const f of fields) {
    const position: PlanFieldPosition = { field: f.path, at: f.at, expr: f.text };
    if (f.kind === 'expr' && f.default !== undefined) position.default = f.default;
    out.push(position);
    if (f.kind === 'each') positions(f.fields, out);
  }
  return out;
}

/** The plan before normalisation: what the spec says, nothing defaulted yet. */
export function skeleton(mapping: CompiledMapping): PlanDraft {
  const spec = mapping.body;
  const plan: PlanBody = {
    apiVersion: 'syncspec.dev/v1',
    name: mapping.name,
    version: spec.version,
    owner: spec.owner,
    file: mapping.file,
    source: { connection: mapping.source.connection, system: mapping.source.system, entity: mapping.source.entityName, key: mapping.source.key },
    target: { connection: mapping.target.connection, system: mapping.target.system, entity: mapping.target.entityName, key: mapping.target.key },
    triggers: spec.triggers,
    delivery: { mode: 'upsert', batchSize: 0, maxWaitMs: 0, retry: { attempts: 0, initialMs: 0, maxMs: 0 }, deadLetter: false },
    lookups: mapping.lookups,
    refs: mapping.refs,
    fields: positions(mapping.fields),
  };
  if (spec.filter !== undefined) plan.filter = spec.filter;
  return { spec, plan };
}

export function seal(body: PlanBody): Plan {
  return { ...body, hash: sha256Hex(canonicalJson(body)) };
}

export function buildPlan(mapping: CompiledMapping): Plan {
  return seal(passes.reduce((draft, pass) => pass(draft), skeleton(mapping)).plan);
}

export { canonicalJson, stableJson } from './canonical.ts';
