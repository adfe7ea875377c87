import type { CodeInfo } from './types.ts';

/** SS2xxx — schema diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const schemaCodes = {} satisfies Record<`SS2${string}`, CodeInfo>;
