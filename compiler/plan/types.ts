/**
 * The normalised, serialisable intermediate form of one SyncSpec (`generated/<spec>/plan.json`).
 * The runtime reads only these types from the compiler.
 */
import type { TriggerSpec } from '../model.ts';

export interface PlanEndpoint {
  connection: string;
  system: string;
  entity: string;
  key: string;
}

export interface PlanFieldPosition {
  /** Target field path, e.g. `FSaleOrderEntry[].FQty`. */
  field: string;
  /** `specs/….yaml:12:15` of the mapping expression. */
  at: string;
  /** The CEL expression as written (for `each` fields, the list expression), so the plan hash covers the mapping. */
  expr?: string;
  /** The `default` of an `{ expr, default }` mapping. */
  default?: string | number | boolean | null;
}

export interface Plan {
  apiVersion: 'syncspec.dev/v1';
  name: string;
  version: string;
  owner: string;
  /** Relative path of the spec file. */
  file: string;
  source: PlanEndpoint;
  target: PlanEndpoint;
  triggers: TriggerSpec[];
  filter?: string;
  delivery: {
    mode: 'upsert' | 'create-only' | 'update-only' | 'mirror';
    batchSize: number;
    maxWaitMs: number;
    retry: { attempts: number; initialMs: number; maxMs: number };
    deadLetter: boolean;
  };
  sla?: { latencyP95Ms?: number; latencyP99Ms?: number; freshnessMs?: number; errorRate?: number };
  lookups: string[];
  refs: string[];
  fields: PlanFieldPosition[];
  /** sha256 of the canonical JSON of everything above. */
  hash: string;
}
