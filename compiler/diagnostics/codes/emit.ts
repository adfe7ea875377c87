import type { CodeInfo } from './types.ts';

/** SS4xxx — emit diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const emitCodes = {} satisfies Record<`SS4${string}`, CodeInfo>;
