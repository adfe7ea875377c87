import type { CodeInfo } from './types.ts';

/** SS1xxx — load diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const loadCodes = {} satisfies Record<`SS1${string}`, CodeInfo>;
