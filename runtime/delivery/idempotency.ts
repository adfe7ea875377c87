/**
 * Idempotency keys are derived, never random (style.md §2.13): the same record version bound for the
 * same target always carries the same key, so a retried or replayed write is recognised by the vendor.
 */
import { hash } from 'node:crypto';

export function idempotencyKey(r: { spec: string; entity: string; key: string; version: string }): string {
  // The one-shot hash: a third of createHash().update().digest()'s cost (one per record delivered).
  return hash('sha256', [r.spec, r.entity, r.key, r.version].join('\0'), 'base64url');
}
