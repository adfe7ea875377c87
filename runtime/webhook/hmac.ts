/**
 * The generic signed webhook: `X-Syncspec-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
 * `X-Syncspec-Timestamp: <unix seconds>` within a window of the worker's clock (a captured request cannot
 * be replayed later), `X-Syncspec-Delivery: <id>` for replay protection (derived from the signature when absent).
 * The body is the generic record envelope (`intake/decode.ts`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { decodeRecords } from '../intake/decode.ts';
import type { WebhookOutcome, WebhookRequest } from '../support/connector.ts';

export const SIGNATURE_HEADER = 'x-syncspec-signature';
export const TIMESTAMP_HEADER = 'x-syncspec-timestamp';
export const DELIVERY_HEADER = 'x-syncspec-delivery';

export function signGeneric(secret: string | Buffer, timestampSec: number, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex')}`;
}

export interface GenericVerifierOptions {
  secret: string | Buffer;
  clock: Clock;
  /** Allowed distance between the request's timestamp and now; default 5 minutes. */
  toleranceMs?: number;
}

const header = (req: WebhookRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function verifyGenericWebhook(req: WebhookRequest, o: GenericVerifierOptions): WebhookOutcome {
  const signature = header(req, SIGNATURE_HEADER);
  const ts = header(req, TIMESTAMP_HEADER);
  if (!signature || !ts) return { ok: false, status: 401, code: 'SS5001', message: `missing ${!signature ? SIGNATURE_HEADER : TIMESTAMP_HEADER} header` };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, status: 401, code: 'SS5006', message: `${TIMESTAMP_HEADER} is not unix seconds` };
  const tsSec = Number(ts);
  if (Math.abs(o.clock.now() - tsSec * 1000) > (o.toleranceMs ?? 300_000)) {
    return { ok: false, status: 401, code: 'SS5006', message: `${TIMESTAMP_HEADER} ${ts} is outside the allowed window` };
  }
  const expected = Buffer.from(signGeneric(o.secret, tsSec, req.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, code: 'SS5001', message: 'signature does not match the body' };
  }
  const decoded = decodeRecords(req.body.toString('utf8'));
  if (!decoded.ok) return { ok: false, status: 400, code: 'SS5002', message: decoded.problem };
  const delivery = header(req, DELIVERY_HEADER) ?? signature.slice('sha256='.length);
  return {
    ok: true,
    events: decoded.records.map((record, i) => ({ deliveryId: decoded.records.length === 1 ? delivery : `${delivery}#${i}`, record })),
  };
}
