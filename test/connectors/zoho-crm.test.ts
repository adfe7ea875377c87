import { describe, expect, it } from 'vitest';
import type { SourceRecord, UpsertItem } from '../../runtime/support/connector.ts';
import type { ZohoConfig } from '../../connectors/zoho-crm/client.ts';
import { ZohoConnector } from '../../connectors/zoho-crm/connector.ts';
import { startZohoEmulator, type ZohoEmulator } from '../../connectors/zoho-crm/emulator/server.ts';
import { connectorContract, type ContractHarness } from './contract.ts';

const CHANNEL = { channelId: '1000000068001', token: 's3cret-echo', module: 'Accounts' };

function configFor(emu: ZohoEmulator, over: Partial<ZohoConfig> = {}): ZohoConfig {
  return {
    accountsUrl: emu.url,
    clientId: '1000.SYNCSPECCLIENT',
    clientSecret: 'zoho-client-secret',
    refreshToken: '1000.refresh.syncspec',
    channels: [CHANNEL],
    timeoutMs: 10_000,
    ...over,
  };
}

export async function startZohoHarness(): Promise<ContractHarness> {
  const emu = await startZohoEmulator();
  const connector = new ZohoConnector(configFor(emu));
  const byKey = (key: string) => emu.admin.records('Accounts').find((r) => r.Account_Number === key);
  const name = (key: string, v: number) => `客户 ${key} "v${v}" & <Co>`;
  return {
    connector,
    entity: 'Accounts',
    keyField: 'Account_Number',
    pageLimit: 7,
    ordered: true,
    writePathContains: '/upsert',
    async seedChanges(rows) {
      emu.admin.seed('Accounts', rows.map((r) => ({ Account_Name: `Seeded ${r.key}`, Account_Number: r.key, Modified_Time: r.at })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no account ${key}`);
      emu.admin.mutate('Accounts', rec.id, { Description: 'touched', Modified_Time: at });
    },
    keyOf: (r: SourceRecord) => String(r.data.Account_Number),
    validRecord: (key, v) => ({ Account_Name: name(key, v), Account_Number: key, Billing_City: v === 1 ? null : `上海 ${v}` }),
    invalidRecord: (key) => ({ Account_Number: key, Billing_City: 'No Name' }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.Account_Name === name(key, v) && (rec.Billing_City ?? null) === (v === 1 ? null : `上海 ${v}`);
    },
    effects: (key) => emu.admin.effects('Accounts').find((e) => e.key === key) ?? { entity: 'Accounts', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new ZohoConnector(configFor(emu, { clientSecret: 'wrong-zoho-secret' })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('Accounts', [{ Account_Name: 'Twin 1', Account_Number: key }, { Account_Name: 'Twin 2', Account_Number: key }]);
    },
    badSecret: 'wrong-zoho-secret',
    withTimeout: (ms) => new ZohoConnector(configFor(emu, { timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
    webhook: {
      async push(url, keys, o) {
        await connector.watch({ module: 'Accounts', notifyUrl: url });
        const ids = keys.map((k) => byKey(k)?.id).filter((x): x is string => x !== undefined);
        return emu.admin.notify({ module: 'Accounts', ids, operation: 'insert', ...o });
      },
      forge: (req) => ({ ...req, body: Buffer.from(req.body.toString('utf8').replace(CHANNEL.token, 'guessed-token')) }),
    },
  };
}

connectorContract('zoho-crm', startZohoHarness, { webhooks: true, ambiguousKeys: true });
