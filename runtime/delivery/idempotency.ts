/**
 * Idempotency keys are derived, never random (style.md §2.13): the same record version bound for the
 * same target always carries the same key, so a retried or replayed write is recognised by the vendor.
 */
import { createHash } from 'node:crypto';

export function idempotencyKey(r: { spec: string; entity: string; key: string; version: string }): string {
  return createHash('sha256').update([r.spec, r.entity, r.key, r.version].join('\0')).digest('base64url');
}
