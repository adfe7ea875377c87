import { bundleCodes } from './codes/bundle.ts';
import { celCodes } from './codes/cel.ts';
import { connectorCodes } from './codes/connector.ts';
import { emitCodes } from './codes/emit.ts';
import { loadCodes } from './codes/load.ts';
import { localCodes } from './codes/local.ts';
import { mappingCodes } from './codes/mapping.ts';
import { operatorCodes } from './codes/operator.ts';
import { reconcileCodes } from './codes/reconcile.ts';
import { runtimeCodes } from './codes/runtime.ts';
import { schemaCodes } from './codes/schema.ts';
import { semanticCodes } from './codes/semantic.ts';
import type { CodeInfo, Phase } from './codes/types.ts';

export type { CodeInfo, Phase } from './codes/types.ts';

/** The one registry of diagnostic codes, in ranges by phase (after dbt's event codes). */
export const codes = {
  ...loadCodes,
  ...schemaCodes,
  ...semanticCodes,
  ...celCodes,
  ...mappingCodes,
  ...emitCodes,
  ...runtimeCodes,
  ...localCodes,
  ...connectorCodes,
  ...reconcileCodes,
  ...bundleCodes,
  ...operatorCodes,
} as const satisfies Record<string, CodeInfo>;

export type DiagCode = keyof typeof codes;

const phases: Record<string, Phase> = { '1': 'load', '2': 'schema', '3': 'semantic', '4': 'emit', '5': 'runtime', '6': 'operator' };

export function phaseOf(code: string): Phase | undefined {
  return phases[code.charAt(2)];
}

export function codeInfo(code: string): CodeInfo | undefined {
  return (codes as Record<string, CodeInfo>)[code];
}
