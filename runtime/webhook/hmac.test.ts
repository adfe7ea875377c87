import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import type { WebhookRequest } from '../support/connector.ts';
import { signGeneric, verifyGenericWebhook } from './hmac.ts';

const clock = manualClock(1_700_000_000_000);
const secret = 'whsec-test';
const body = Buffer.from('{"id":"001","version":"3","data":{"Name":"上海"}}');

function req(headers: Record<string, string>, b = body): WebhookRequest {
  return { method: 'POST', path: '/hooks/x', headers, query: {}, body: b };
}

describe('verifyGenericWebhook', () => {
  const ts = 1_700_000_000;
  it('accepts a correctly signed, timely request and decodes its record', () => {
    const out = verifyGenericWebhook(req({ 'x-syncspec-signature': signGeneric(secret, ts, body), 'x-syncspec-timestamp': String(ts), 'x-syncspec-delivery': 'd1' }), { secret, clock });
    expect(out).toEqual({ ok: true, events: [{ deliveryId: 'd1', record: { id: '001', version: '3', data: { Name: '上海' } } }] });
  });

  it('refuses a tampered body, a wrong secret and a stale timestamp with coded 401s', () => {
    const sig = signGeneric(secret, ts, body);
    expect(verifyGenericWebhook(req({ 'x-syncspec-signature': sig, 'x-syncspec-timestamp': String(ts) }, Buffer.from(`${body} `)), { secret, clock })).toMatchObject({ ok: false, status: 401, code: 'SS5001' });
    expect(verifyGenericWebhook(req({ 'x-syncspec-signature': signGeneric('other', ts, body), 'x-syncspec-timestamp': String(ts) }), { secret, clock })).toMatchObject({ ok: false, code: 'SS5001' });
    const old = ts - 301;
    expect(verifyGenericWebhook(req({ 'x-syncspec-signature': signGeneric(secret, old, body), 'x-syncspec-timestamp': String(old) }), { secret, clock })).toMatchObject({ ok: false, status: 401, code: 'SS5006' });
    expect(verifyGenericWebhook(req({}), { secret, clock })).toMatchObject({ ok: false, status: 401, code: 'SS5001' });
  });

  it('answers 400 for a signed body that is not a record', () => {
    const bad = Buffer.from('{"id":"1"}');
    expect(verifyGenericWebhook(req({ 'x-syncspec-signature': signGeneric(secret, ts, bad), 'x-syncspec-timestamp': String(ts) }, bad), { secret, clock })).toMatchObject({ ok: false, status: 400, code: 'SS5002' });
  });
});
