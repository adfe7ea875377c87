/**
 * Backoff hints for callers of connectors: how long to wait before retrying a classified error.
 * Capped, jittered exponential backoff, never shorter than what the vendor asked for (Retry-After,
 * Salesforce request limits, Jiandaoyun 8303). The worker owns the retry loop; this only computes delays.
 */
import type { ConnectorError } from '../../runtime/support/connector.ts';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 300_000 };

/**
 * Delay before retry number `attempt` (0-based). Jitter is "equal jitter": half fixed, half random, so
 * retries spread out but never collapse to zero. `random` is injected for deterministic tests.
 */
export function retryDelayMs(error: Pick<ConnectorError, 'class' | 'retryAfterMs'>, attempt: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number | undefined {
  if (error.class !== 'retryable' && error.class !== 'throttled') return undefined;
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, Math.min(attempt, 40)));
  const jittered = Math.round(exp / 2 + (exp / 2) * random());
  // A vendor's own wait is a floor, and may exceed the policy cap (a 24 h limit window is real).
  return Math.max(jittered, error.retryAfterMs ?? 0);
}
