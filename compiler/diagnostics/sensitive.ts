/**
 * Diagnostics whose range covers a credential. The shared Diagnostic shape has no field for it, so a phase
 * marks the diagnostic object itself and the terminal reporter masks that text in the source line it prints.
 * Codes that are about credentials by definition are masked whatever the phase that raised them.
 */
import type { Diagnostic } from './diagnostic.ts';

const marked = new WeakSet<Diagnostic>();
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set(['SS2015', 'SS3015']);

export function markSensitive<D extends Diagnostic>(d: D): D {
  marked.add(d);
  return d;
}

export function isSensitive(d: Diagnostic): boolean {
  return marked.has(d) || CREDENTIAL_CODES.has(d.code);
}
