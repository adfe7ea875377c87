import type { CodeInfo } from './types.ts';

/** SS6xxx — operator diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const operatorCodes = {} satisfies Record<`SS6${string}`, CodeInfo>;
