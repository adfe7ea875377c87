import { describe, expect, it } from 'vitest';
import { jdySignature } from './emulator/server.ts';
import { derivedUuid, JiandaoyunConnector, wrapValues } from './connector.ts';

const now = Date.UTC(2026, 2, 1);
const connector = new JiandaoyunConnector({ baseUrl: 'http://127.0.0.1:9/api', apiKey: 'k', webhookSecret: 'sec', dataCreator: 'syncspec' }, () => now);
const signed = (payload: string, ts = Math.floor(now / 1000), deliverId = 'dlv1') => {
  const nonce = 'abc123';
  return {
    method: 'POST',
    path: '/hook',
    headers: { 'x-jdy-signature': jdySignature(nonce, payload, 'sec', String(ts)), 'x-jdy-deliverid': deliverId },
    query: { timestamp: String(ts), nonce },
    body: Buffer.from(payload),
  };
};

describe('Jiandaoyun connector pieces', () => {
  it('derives the same RFC 4122-shaped transaction id for the same batch', () => {
    expect(derivedUuid('a\nb')).toBe(derivedUuid('a\nb'));
    expect(derivedUuid('a\nb')).not.toBe(derivedUuid('b\na'));
    expect(derivedUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('wraps write values, including subform rows, and leaves wrapped ones alone', () => {
    expect(wrapValues({ a: 1, b: { value: 2 }, sub: [{ x: 'y' }], n: null })).toEqual({ a: { value: 1 }, b: { value: 2 }, sub: { value: [{ x: { value: 'y' } }] }, n: { value: null } });
  });

  it('verifies pushes: removal events are deletions, echoes are marked, tests carry no events', () => {
    const removed = connector.verifyWebhook(signed(JSON.stringify({ op: 'data_remove', data: { _id: 'r1', updateTime: '2026-03-01T00:00:00.000Z', updater: { username: 'syncspec' } } })));
    expect(removed).toEqual(expect.objectContaining({ ok: true }));
    if (removed.ok) expect(removed.events[0]).toEqual({ deliveryId: 'dlv1', record: expect.objectContaining({ id: 'r1', deleted: true, echo: true, cursor: '2026-03-01T00:00:00.000Z' }) });
    const test = connector.verifyWebhook(signed(JSON.stringify({ op: 'data_test', data: {} })));
    expect(test).toEqual(expect.objectContaining({ ok: true, events: [] }));
  });

  it('refuses future and past timestamps beyond the window, and requests without the delivery id', () => {
    const payload = JSON.stringify({ op: 'data_update', data: { _id: 'r1' } });
    expect(connector.verifyWebhook(signed(payload, Math.floor(now / 1000) + 301))).toEqual(expect.objectContaining({ ok: false, code: 'SS5160' }));
    expect(connector.verifyWebhook(signed(payload, Math.floor(now / 1000) - 299))).toEqual(expect.objectContaining({ ok: true }));
    const req = signed(payload);
    expect(connector.verifyWebhook({ ...req, headers: { 'x-jdy-signature': req.headers['x-jdy-signature'] } })).toEqual(expect.objectContaining({ ok: false, code: 'SS5161' }));
    const noSecret = new JiandaoyunConnector({ baseUrl: 'http://127.0.0.1:9/api', apiKey: 'k' });
    expect(noSecret.verifyWebhook(req)).toEqual(expect.objectContaining({ ok: false, code: 'SS5159' }));
  });
});
