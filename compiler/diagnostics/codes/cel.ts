import type { CodeInfo } from './types.ts';

/** SS31xx — cel diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const celCodes = {} satisfies Record<`SS31${string}`, CodeInfo>;
