import type { SourceRecord } from '../../runtime/support/connector.ts';
import { SalesforceConnector } from '../../connectors/salesforce/connector.ts';
import { startSalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import type { SalesforceConfig } from '../../connectors/salesforce/client.ts';
import { connectorContract, type ContractHarness } from './contract.ts';

const sfTime = (iso: string): string => iso.replace('Z', '+0000');

export async function startSalesforceHarness(): Promise<ContractHarness> {
  const emu = await startSalesforceEmulator();
  const config = (over: Partial<SalesforceConfig> = {}): SalesforceConfig => ({
    loginUrl: emu.url,
    auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' },
    organizationId: emu.organizationId,
    timeoutMs: 10_000,
    ...over,
  });
  const connector = new SalesforceConnector(config());
  const byKey = (key: string) => emu.admin.records('Account').find((r) => r.AccountNumber === key);
  return {
    connector,
    entity: 'Account',
    keyField: 'AccountNumber',
    pageLimit: 200,
    ordered: true,
    writePathContains: '/composite/',
    async seedChanges(rows) {
      emu.admin.seed('Account', rows.map((r) => ({ Name: `Seeded ${r.key}`, AccountNumber: r.key, SystemModstamp: sfTime(r.at) })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no Account ${key}`);
      emu.admin.mutate('Account', { Id: rec.Id, Description: `touched at ${at}`, SystemModstamp: sfTime(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.AccountNumber),
    validRecord: (key, variant) => ({ Name: `客户 ${key} "v${variant}" & <Co>`, AccountNumber: key, BillingCity: variant === 1 ? null : `上海 ${variant}` }),
    invalidRecord: (key) => ({ AccountNumber: key, BillingCity: 'No Name' }),
    storedMatches(key, variant) {
      const rec = byKey(key);
      return rec !== undefined && rec.Name === `客户 ${key} "v${variant}" & <Co>` && (rec.BillingCity ?? null) === (variant === 1 ? null : `上海 ${variant}`);
    },
    effects: (key) => emu.admin.effects('Account').find((e) => e.key === key) ?? { entity: 'Account', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new SalesforceConnector(config({ auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'wrong' } })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('Account', [{ Name: 'Twin 1', AccountNumber: key }, { Name: 'Twin 2', AccountNumber: key }]);
    },
    badSecret: 'wrong',
    withTimeout: (ms) => new SalesforceConnector(config({ timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
    webhook: {
      push: (url, keys, opts) =>
        emu.admin.sendOutbound({
          url,
          type: 'Account',
          ids: keys.map((k) => byKey(k)?.Id).filter((x): x is string => x !== undefined),
          fields: ['Name', 'AccountNumber', 'SystemModstamp', 'LastModifiedById'],
          ...opts,
        }),
      forge: (req) => ({ ...req, body: Buffer.from(req.body.toString('utf8').replaceAll(emu.organizationId, '00DEm0000000999AAA')) }),
    },
  };
}

connectorContract('salesforce', startSalesforceHarness, { webhooks: true, ambiguousKeys: true });
