/**
 * Error classification shared by every connector: one `ConnectorFailure` carrying the runtime's
 * `ConnectorError`, and the mapping from HTTP status, Retry-After and transport errors to a class.
 * Branch on `error.code` / `error.class`, never on message text.
 */
import type { ConnectorError, ErrorClass, ItemResult, UpsertItem } from '../../runtime/support/connector.ts';

/** Connector diagnostic codes (registered in compiler/diagnostics/codes/connector.ts). */
export const CODES = {
  auth: 'SS5150',
  sessionLost: 'SS5151',
  network: 'SS5152',
  timeout: 'SS5153',
  server: 'SS5154',
  throttled: 'SS5155',
  rejected: 'SS5156',
  badMapping: 'SS5157',
  badReply: 'SS5158',
  webhookSignature: 'SS5159',
  webhookStale: 'SS5160',
  webhookMalformed: 'SS5161',
  batchTooLarge: 'SS5162',
  ambiguousKey: 'SS5163',
  queryRejected: 'SS5164',
  unknownEntity: 'SS5165',
  connectionSettings: 'SS5166',
} as const;
export type ConnectorCode = (typeof CODES)[keyof typeof CODES];

/** A classified failure of a whole call (reads, auth, transport). Per-record outcomes are `ItemResult`s instead. */
export class ConnectorFailure extends Error {
  readonly error: ConnectorError;
  constructor(error: ConnectorError, options?: ErrorOptions) {
    super(`${error.code}: ${error.message}`, options);
    this.name = 'ConnectorFailure';
    this.error = error;
  }
}

export function connectorError(
  code: ConnectorCode,
  cls: ErrorClass,
  message: string,
  extra: { vendorCode?: string | undefined; retryAfterMs?: number | undefined } = {},
): ConnectorError {
  const e: ConnectorError = { code, class: cls, message };
  if (extra.vendorCode !== undefined) e.vendorCode = extra.vendorCode;
  if (extra.retryAfterMs !== undefined) e.retryAfterMs = extra.retryAfterMs;
  return e;
}

export function fail(
  code: ConnectorCode,
  cls: ErrorClass,
  message: string,
  extra: { vendorCode?: string | undefined; retryAfterMs?: number | undefined } = {},
  cause?: unknown,
): ConnectorFailure {
  return new ConnectorFailure(connectorError(code, cls, message, extra), cause === undefined ? undefined : { cause });
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds from
 * `nowMs`, never negative; undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = v.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(text)) return undefined;
  return Math.max(0, at - nowMs);
}

const NETWORK_CODES = new Set([
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Maps a thrown transport error to a retryable failure; returns undefined for errors that are not transport errors. */
export function transportFailure(system: string, e: unknown): ConnectorFailure | undefined {
  if (e instanceof ConnectorFailure) return e;
  const err = e as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  const code = err?.code ?? err?.cause?.code;
  if (err?.name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return fail(CODES.timeout, 'retryable', `${system} did not answer in time`, {}, e);
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return fail(CODES.network, 'retryable', `connection to ${system} failed (${code})`, {}, e);
  }
  return undefined;
}

/** Turns a whole-call failure into one result per item, in input order (the worker retries or dead-letters each). */
export function resultsForFailure(items: readonly Pick<UpsertItem, 'key'>[], error: ConnectorError): ItemResult[] {
  return items.map((item): ItemResult =>
    error.class === 'retryable' || error.class === 'throttled'
      ? { key: item.key, status: 'retry', error }
      : { key: item.key, status: 'reject', error });
}

/** The ConnectorError inside any thrown value; unknown errors become SS5158 retryable (the outcome is unknown). */
export function asConnectorError(system: string, e: unknown): ConnectorError {
  if (e instanceof ConnectorFailure) return e.error;
  const t = transportFailure(system, e);
  if (t) return t.error;
  return connectorError(CODES.badReply, 'retryable', `${system}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Rethrows aborts requested by the caller: those are cancellations, not vendor outcomes. */
export function rethrowIfCallerAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Splits items into rounds so each key appears at most once per round, keeping per-key order. */
export function roundsByKey<T extends { key: string }>(items: readonly T[]): { item: T; index: number }[][] {
  const rounds: { item: T; index: number }[][] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const round = seen.get(item.key) ?? 0;
    seen.set(item.key, round + 1);
    (rounds[round] ??= []).push({ item, index });
  });
  return rounds;
}
