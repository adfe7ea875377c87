import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_JDY_FORM, jdySignature, startJiandaoyunEmulator, type JiandaoyunEmulator } from './server.ts';

let emu: JiandaoyunEmulator;
const ids = { app_id: DEFAULT_JDY_FORM.appId, entry_id: DEFAULT_JDY_FORM.entryId };
const FORM = `${DEFAULT_JDY_FORM.appId}/${DEFAULT_JDY_FORM.entryId}`;

async function api(path: string, body: unknown, key = 'jdy-test-api-key') {
  const res = await request(`${emu.apiBase}/v5/app/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

beforeEach(async () => {
  emu = await startJiandaoyunEmulator();
});
afterEach(() => emu.close());

describe('Jiandaoyun emulator', () => {
  it('answers every API error as HTTP 400 {code,msg}', async () => {
    expect(await api('entry/data/list', ids, 'wrong')).toEqual({ status: 400, json: { code: 8301, msg: expect.any(String) } });
    expect((await api('entry/data/list', { ...ids, limit: 101 })).json.code).toBe(1001);
    expect((await api('entry/data/list', { app_id: 'x', entry_id: 'y' })).json.code).toBe(3000);
    expect((await api('entry/data/create', { ...ids, data: { _widget_9: { value: 1 } } })).json.code).toBe(3005);
    expect((await api('entry/data/create', { ...ids, data: { _widget_1004: 12 } })).json.code).toBe(4001);
    emu.admin.setFaults({ next: ['throttle'] });
    expect(await api('entry/data/list', ids)).toEqual({ status: 400, json: { code: 8303, msg: '超出请求频率限制' } });
  });

  it('lists in data-id order with a data_id cursor and filters', async () => {
    emu.admin.seed(FORM, Array.from({ length: 12 }, (_, i) => ({ _widget_1001: `K${i}`, _widget_1004: i, updateTime: `2026-03-01T00:00:${String(i).padStart(2, '0')}.000Z` })));
    const first = (await api('entry/data/list', { ...ids, limit: 5 })).json.data as { _id: string }[];
    const second = (await api('entry/data/list', { ...ids, limit: 5, data_id: first[4]?._id })).json.data as { _id: string }[];
    expect(first.length + second.length).toBe(10);
    expect([...first, ...second].map((r) => r._id)).toEqual([...first, ...second].map((r) => r._id).sort());
    const filtered = (await api('entry/data/list', {
      ...ids,
      limit: 100,
      fields: ['_widget_1001'],
      filter: { rel: 'and', cond: [{ field: 'updateTime', type: 'datetime', method: 'range', value: ['2026-03-01T00:00:10.000Z', null] }, { field: '_widget_1004', method: 'gt', value: [10] }] },
    })).json.data;
    expect(filtered).toEqual([{ _id: expect.any(String), _widget_1001: 'K11' }]);
  });

  it('creates nothing new when a batch_create is repeated with the same transaction_id', async () => {
    const body = { ...ids, transaction_id: '7b1d3f5e-0000-5000-8000-000000000001', data_list: [{ _widget_1001: { value: 'A' } }, { _widget_1001: { value: 'B' } }] };
    const first = await api('entry/data/batch_create', body);
    const again = await api('entry/data/batch_create', body);
    expect(first.json).toEqual({ status: 'success', success_count: 2, success_ids: expect.any(Array) });
    expect(again.json).toEqual(first.json);
    expect(emu.admin.records(FORM).length).toBe(2);
    expect(emu.admin.effects(FORM).map((e) => [e.key, e.creates])).toEqual([['A', 1], ['B', 1]]);
    const tooMany = await api('entry/data/batch_create', { ...ids, data_list: Array.from({ length: 101 }, () => ({})) });
    expect(tooMany.json.code).toBe(1001);
  });

  it('signs pushes as sha1(nonce:payload:secret:timestamp) with a stable X-JDY-DeliverId', async () => {
    const seen: { url: string; headers: Record<string, string>; body: string }[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers as Record<string, string>, body: b });
        res.writeHead(200).end('ok');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const [row] = emu.admin.seed(FORM, [{ _widget_1001: 'K1' }]);
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jdy`;
      const reports = await emu.admin.push({ url, secret: 's3cret', appId: ids.app_id, entryId: ids.entry_id, dataIds: [row!._id], duplicate: true });
      expect(reports.map((r) => r.accepted)).toEqual([true, true]);
      const [a, b] = seen;
      const q = new URL(a!.url, 'http://x').searchParams;
      expect(a!.headers['x-jdy-signature']).toBe(jdySignature(q.get('nonce')!, a!.body, 's3cret', q.get('timestamp')!));
      expect(a!.headers['x-jdy-deliverid']).toBe(b!.headers['x-jdy-deliverid']);
      expect(JSON.parse(a!.body)).toEqual({ op: 'data_update', data: expect.objectContaining({ _widget_1001: 'K1' }) });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
