import { describe, expect, it } from 'vitest';
import { SalesforceConnector, soqlString } from './connector.ts';
import { notificationsXml } from './outbound.ts';

const ORG = '00DEm0000000001AAA';
const connector = new SalesforceConnector({
  loginUrl: 'http://127.0.0.1:9',
  auth: { flow: 'client_credentials', clientId: 'c', clientSecret: 's' },
  organizationId: ORG,
  integrationUserId: '005Em0000000APIUSR',
});
const req = (body: string) => ({ method: 'POST', path: '/om', headers: {}, query: {}, body: Buffer.from(body) });
const envelope = (org: string, notes: { id: string; fields: Record<string, unknown> }[]) =>
  notificationsXml({ organizationId: org, actionId: '04k', enterpriseUrl: 'e', partnerUrl: 'p', notifications: notes.map((n) => ({ ...n, type: 'Account' })) });

describe('Salesforce outbound message verification', () => {
  it('returns one event per notification with its Id, typed cursor, nulls and echo marking', () => {
    const out = connector.verifyWebhook(
      req(
        envelope(ORG.slice(0, 15), [
          { id: '04l1', fields: { Id: '001A', Name: '客户 & <Co>', Phone: null, SystemModstamp: '2026-03-01T02:00:00.000Z', LastModifiedById: '005Em0000000APIUSR' } },
          { id: '04l2', fields: { Id: '001B', Name: 'B', SystemModstamp: '2026-03-01T02:00:01.000Z', LastModifiedById: '005Em00000000HUMAN' } },
        ]),
      ),
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.events).toEqual([
      { deliveryId: '04l1', record: { id: '001A', version: '2026-03-01T02:00:00.000Z', cursor: '2026-03-01T02:00:00.000Z', echo: true, data: expect.objectContaining({ Name: '客户 & <Co>', Phone: null }) } },
      { deliveryId: '04l2', record: { id: '001B', version: '2026-03-01T02:00:01.000Z', cursor: '2026-03-01T02:00:01.000Z', data: expect.objectContaining({ Name: 'B' }) } },
    ]);
    expect(out.reply).toEqual({ status: 200, contentType: 'text/xml; charset=utf-8', body: expect.stringContaining('<Ack>true</Ack>') });
  });

  it('refuses other organisations, entity declarations, non-SOAP bodies and notifications without ids', () => {
    expect(connector.verifyWebhook(req(envelope('00DEm0000000999AAA', [])))).toEqual(expect.objectContaining({ ok: false, status: 403, code: 'SS5159' }));
    const bomb = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "${'y'.repeat(10)}">]>${envelope(ORG, [])}`;
    expect(connector.verifyWebhook(req(bomb))).toEqual(expect.objectContaining({ ok: false, status: 400, code: 'SS5161' }));
    expect(connector.verifyWebhook(req('{"not":"xml"}'))).toEqual(expect.objectContaining({ ok: false, code: 'SS5161' }));
    expect(connector.verifyWebhook(req(envelope(ORG, [{ id: '04l1', fields: { Name: 'no id' } }])))).toEqual(expect.objectContaining({ ok: false, code: 'SS5161' }));
    expect(connector.verifyWebhook({ ...req(''), method: 'GET' })).toEqual(expect.objectContaining({ ok: false, status: 405 }));
  });
});

describe('SOQL literals', () => {
  it('escapes quotes and backslashes so ids cannot break out of the string', () => {
    expect(soqlString("a'b\\c\nd")).toBe("'a\\'b\\\\c\\nd'");
  });
});
