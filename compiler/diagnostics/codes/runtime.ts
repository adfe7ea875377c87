import type { CodeInfo } from './types.ts';

/** SS5xxx — runtime diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const runtimeCodes = {} satisfies Record<`SS5${string}`, CodeInfo>;
