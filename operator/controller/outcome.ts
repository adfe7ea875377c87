/** What a reconcile returns (style.md §2.18, controller-runtime's Result/TerminalError). */

/** An error only a change to the object (or the cluster setup) can fix; carries an SS6xxx code. */
export class OperatorError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'OperatorError';
    this.code = code;
  }
}

export type Outcome =
  /** Reconciled; look again after `requeueAfterMs` (0: only when something changes). */
  | { kind: 'done'; requeueAfterMs: number }
  /** Transient (API, network): per-key exponential backoff under the global rate limit. */
  | { kind: 'retry'; error: Error }
  /** The spec must change: not retried until a new event arrives. */
  | { kind: 'terminal'; error: OperatorError };

export const done = (requeueAfterMs = 0): Outcome => ({ kind: 'done', requeueAfterMs });
export const retry = (error: unknown): Outcome => ({ kind: 'retry', error: error instanceof Error ? error : new Error(String(error)) });
export const terminal = (error: OperatorError): Outcome => ({ kind: 'terminal', error });

/** `namespace/name`: the work-queue key of a namespaced object. */
export interface ObjectKey {
  namespace: string;
  name: string;
}
export const keyOf = (k: ObjectKey): string => `${k.namespace}/${k.name}`;
export function parseKey(key: string): ObjectKey {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
