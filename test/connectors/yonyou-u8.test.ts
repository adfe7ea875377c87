import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import { utcToLocal } from '../../connectors/shared/cursor.ts';
import type { U8Config } from '../../connectors/yonyou-u8/client.ts';
import { U8Connector } from '../../connectors/yonyou-u8/connector.ts';
import { startU8Emulator, type U8Emulator } from '../../connectors/yonyou-u8/emulator/server.ts';
import { connectorContract, type ContractHarness } from './contract.ts';

const cst = (iso: string): string => (utcToLocal(iso, 480) as string).slice(0, 19).replace('T', ' ');
const noWait = async (): Promise<void> => {};

function configFor(emu: U8Emulator, over: Partial<U8Config> = {}): U8Config {
  return {
    baseUrl: emu.url,
    fromAccount: emu.fromAccount,
    toAccount: emu.toAccount,
    appKey: emu.appKey,
    appSecret: 'u8-app-secret',
    operator: emu.operator,
    timeoutMs: 10_000,
    ...over,
  };
}

export async function startU8Harness(opts: { asyncPolls?: number } = {}): Promise<ContractHarness> {
  const emu = await startU8Emulator({ asyncPolls: opts.asyncPolls ?? 1 });
  const connector = new U8Connector(configFor(emu), Date.now, noWait);
  const byKey = (key: string) => emu.admin.records('customer').find((r) => r.code === key);
  const name = (key: string, v: number) => `客户 ${key} "v${v}" & 杭州`;
  return {
    connector,
    entity: 'customer',
    keyField: 'code',
    pageLimit: 7,
    ordered: false,
    writePathContains: '/add',
    dropWriteAnswers: (count) => emu.admin.setFaults({ next: Array.from({ length: count }, () => 'dropAfterWrite' as const), pathContains: '/add' }),
    async seedChanges(rows) {
      emu.admin.seed('customer', rows.map((r) => ({ code: r.key, name: `Seeded ${r.key}`, abbrname: r.key, sort_code: '01', modifydate: cst(r.at) })));
    },
    async touch(key, at) {
      emu.admin.mutate('customer', key, { memo: 'touched', modifydate: cst(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.code),
    validRecord: (key, v) => ({ code: key, name: name(key, v), abbrname: `${key}简称`, sort_code: '01', address: v === 1 ? null : `杭州市 ${v} 号` }),
    invalidRecord: (key) => ({ code: key, name: 'unknown class', abbrname: key, sort_code: 'NO-SUCH-CLASS' }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.name === name(key, v) && (rec.address ?? null) === (v === 1 ? null : `杭州市 ${v} 号`);
    },
    effects: (key) => emu.admin.effects('customer').find((e) => e.key === key) ?? { entity: 'customer', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new U8Connector(configFor(emu, { appSecret: 'wrong-u8-secret' }), Date.now, noWait),
    badSecret: 'wrong-u8-secret',
    withTimeout: (ms) => new U8Connector(configFor(emu, { timeoutMs: ms }), Date.now, noWait),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('yonyou-u8', () => startU8Harness());
connectorContract('yonyou-u8 (results ready only after 3 polls)', () => startU8Harness({ asyncPolls: 3 }));
