import type { CodeInfo } from './types.ts';

/** SS32xx — mapping diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const mappingCodes = {} satisfies Record<`SS32${string}`, CodeInfo>;
