import type { CodeInfo } from './types.ts';

/** SS3xxx — semantic diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const semanticCodes = {} satisfies Record<`SS3${string}`, CodeInfo>;
