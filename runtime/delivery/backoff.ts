/**
 * Retry timing (style.md §2.14): capped exponential backoff with "equal jitter" (half fixed, half
 * random) so a burst of failures does not retry in lockstep; a vendor's Retry-After wins when longer.
 */
export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
}

/** Delay before attempt `attempt + 1`, after `attempt` (≥ 1) failed attempts. */
export function backoffMs(attempt: number, policy: RetryPolicy, rand: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * rand());
}

/** A Retry-After above this is treated as this: a vendor typo must not park a record for a day. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs: number | undefined, rand: () => number = Math.random): number {
  const base = backoffMs(attempt, policy, rand);
  return retryAfterMs === undefined ? base : Math.max(base, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
