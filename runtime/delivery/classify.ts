/** Error classes decide what happens to a record: retry later, slow down, or dead-letter. */
import type { ConnectorError, ErrorClass } from '../support/connector.ts';

/** From an HTTP status, for connectors and verifiers that only have a status (style.md §2.14). */
export function classifyStatus(status: number): ErrorClass | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'throttled';
  if (status === 408 || status >= 500) return 'retryable';
  return 'rejected';
}

/** A thrown error (network failure, timeout, abort) is transient from the worker's point of view. */
export function errorFromThrown(err: unknown, code: string): ConnectorError {
  const message = err instanceof Error ? err.message : String(err);
  return { code, class: 'retryable', message };
}

export const isRetryClass = (c: ErrorClass): boolean => c === 'retryable' || c === 'throttled';
