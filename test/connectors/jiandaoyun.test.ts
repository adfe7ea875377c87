import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import type { JiandaoyunConfig } from '../../connectors/jiandaoyun/client.ts';
import { JiandaoyunConnector } from '../../connectors/jiandaoyun/connector.ts';
import { DEFAULT_JDY_FORM, startJiandaoyunEmulator } from '../../connectors/jiandaoyun/emulator/server.ts';
import { connectorContract, convergesUnderRandomFaults, type ContractHarness } from './contract.ts';

const FORM = `${DEFAULT_JDY_FORM.appId}/${DEFAULT_JDY_FORM.entryId}`;
const SECRET = 'jdy-push-secret';

export async function startJiandaoyunHarness(opts: { throttleStyle?: '8303' | '429' } = {}): Promise<ContractHarness> {
  const emu = await startJiandaoyunEmulator(opts.throttleStyle ? { throttleStyle: opts.throttleStyle } : {});
  let skewMs = 0;
  const config = (over: Partial<JiandaoyunConfig> = {}): JiandaoyunConfig => ({
    baseUrl: emu.apiBase,
    apiKey: 'jdy-test-api-key',
    forms: { customers: { appId: DEFAULT_JDY_FORM.appId, entryId: DEFAULT_JDY_FORM.entryId } },
    webhookSecret: SECRET,
    dataCreator: 'syncspec',
    integrationUsername: 'open-api',
    timeoutMs: 10_000,
    ...over,
  });
  const connector = new JiandaoyunConnector(config(), () => Date.now() + skewMs);
  const byKey = (key: string) => emu.admin.records(FORM).find((r) => r._widget_1001 === key);
  const name = (key: string, v: number) => `客户 ${key} "v${v}" & 杭州`;
  return {
    connector,
    entity: 'customers',
    keyField: '_widget_1001',
    pageLimit: 7,
    ordered: false,
    writePathContains: '/data/batch_create',
    async seedChanges(rows) {
      emu.admin.seed(FORM, rows.map((r) => ({ _widget_1001: r.key, _widget_1002: `Seeded ${r.key}`, updateTime: r.at })));
    },
    async touch(key, at) {
      const row = byKey(key);
      if (!row) throw new Error(`no row ${key}`);
      await emu.admin.mutate(FORM, { _id: row._id, _widget_1005: 'touched', updateTime: at });
    },
    keyOf: (r: SourceRecord) => String(r.data._widget_1001),
    validRecord: (key, v) => ({ _widget_1001: key, _widget_1002: name(key, v), _widget_1004: v * 1000, _widget_1003: v === 1 ? null : '杭州' }),
    invalidRecord: (key) => ({ _widget_1001: key, _widget_1002: 'bad amount', _widget_1004: 'not a number' }),
    storedMatches(key, v) {
      const row = byKey(key);
      return row !== undefined && row._widget_1002 === name(key, v) && row._widget_1004 === v * 1000 && (row._widget_1003 ?? null) === (v === 1 ? null : '杭州');
    },
    effects: (key) => emu.admin.effects(FORM).find((e) => e.key === key) ?? { entity: FORM, key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new JiandaoyunConnector(config({ apiKey: 'wrong-key' })),
    async seedDuplicateTarget(key) {
      emu.admin.seed(FORM, [{ _widget_1001: key, _widget_1002: 'Twin 1' }, { _widget_1001: key, _widget_1002: 'Twin 2' }]);
    },
    badSecret: 'wrong-key',
    withTimeout: (ms) => new JiandaoyunConnector(config({ timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
    webhook: {
      push: (url, keys, o) =>
        emu.admin.push({
          url,
          secret: SECRET,
          appId: DEFAULT_JDY_FORM.appId,
          entryId: DEFAULT_JDY_FORM.entryId,
          dataIds: keys.map((k) => byKey(k)?._id).filter((x): x is string => x !== undefined),
          ...o,
        }),
      forge: (req) => ({ ...req, body: Buffer.from(req.body.toString('utf8').replace('Seeded', 'Forged')) }),
      advanceClock: (ms) => {
        skewMs += ms;
      },
      windowMs: 300_000,
    },
  };
}

connectorContract('jiandaoyun', () => startJiandaoyunHarness(), { webhooks: true, sessionAuth: false, ambiguousKeys: true });
connectorContract('jiandaoyun (HTTP 429 concurrency limit)', () => startJiandaoyunHarness({ throttleStyle: '429' }), { sessionAuth: false });
convergesUnderRandomFaults('jiandaoyun', () => startJiandaoyunHarness());

describe('jiandaoyun specifics', () => {
  it('loses no record edited behind the read position during a pass (checkpoint capped at the pass start)', async () => {
    let clock = Date.UTC(2026, 2, 1, 0, 0, 0);
    const emu = await startJiandaoyunEmulator({ now: () => clock });
    const c = new JiandaoyunConnector({ baseUrl: emu.apiBase, apiKey: 'jdy-test-api-key', forms: { customers: DEFAULT_JDY_FORM } });
    try {
      const rows = emu.admin.seed(FORM, Array.from({ length: 10 }, (_, i) => ({ _widget_1001: `K${i}`, updateTime: new Date(clock - 3_600_000).toISOString() })));
      const since = { at: new Date(clock - 7_200_000).toISOString(), id: '' };
      const first = await c.readChanges('customers', since, { limit: 5 });
      expect(first.checkpoint).toBeUndefined();
      clock += 10_000;
      await emu.admin.mutate(FORM, { _id: rows[1]!._id, _widget_1005: 'edited behind the cursor' });
      clock += 10_000;
      await emu.admin.mutate(FORM, { _id: rows[8]!._id, _widget_1005: 'edited ahead of the cursor' });
      let second = await c.readChanges('customers', since, { limit: 5, next: first.next as string });
      expect(second.checkpoint).toBeUndefined();
      second = await c.readChanges('customers', since, { limit: 5, next: second.next as string });
      expect(second.next).toBeUndefined();
      expect(second.checkpoint).toEqual({ at: new Date(Date.UTC(2026, 2, 1) - 5_000).toISOString(), id: '' });
      const next = await c.readChanges('customers', second.checkpoint, { limit: 100 });
      expect(next.records.map((r) => r.data._widget_1001).sort()).toEqual(['K1', 'K8']);
    } finally {
      await c.close();
      await emu.close();
    }
  });
});
