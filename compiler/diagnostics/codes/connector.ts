import type { CodeInfo } from './types.ts';

/** SS51xx — connector diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const connectorCodes = {} satisfies Record<`SS51${string}`, CodeInfo>;
