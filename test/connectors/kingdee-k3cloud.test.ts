import type { SourceRecord } from '../../runtime/support/connector.ts';
import { utcToLocal } from '../../connectors/shared/cursor.ts';
import type { KingdeeConfig } from '../../connectors/kingdee-k3cloud/client.ts';
import { KingdeeConnector } from '../../connectors/kingdee-k3cloud/connector.ts';
import { startKingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { connectorContract, type ContractHarness } from './contract.ts';

const cst = (iso: string): string => utcToLocal(iso, 480) as string;

export async function startKingdeeHarness(opts: { stringIsSuccess?: boolean; appSecret?: boolean } = {}): Promise<ContractHarness> {
  const emu = await startKingdeeEmulator(opts.stringIsSuccess ? { stringIsSuccess: true } : {});
  const auth = (secret: string): KingdeeConfig['auth'] =>
    opts.appSecret ? { kind: 'appSecret', appId: '300000_syncspecAppId', appSecret: secret } : { kind: 'password', password: secret };
  const config = (over: Partial<KingdeeConfig> = {}): KingdeeConfig => ({
    serverUrl: emu.serverUrl,
    acctId: emu.acctId,
    username: 'syncspec',
    auth: auth(opts.appSecret ? 'syncspec-app-secret' : 'kingdee@123'),
    timeoutMs: 10_000,
    ...over,
  });
  const connector = new KingdeeConnector(config());
  const byKey = (key: string) => emu.admin.records('BD_Customer').find((r) => r.Number === key);
  const name = (key: string, v: number) => `客户 ${key} 'v${v}' & 上海`;
  const currency = (v: number) => (v === 1 ? 'PRE001' : 'PRE007');
  return {
    connector,
    entity: 'BD_Customer',
    keyField: 'FNumber',
    pageLimit: 7,
    ordered: true,
    writePathContains: '.BatchSave.',
    async seedChanges(rows) {
      emu.admin.seed('BD_Customer', rows.map((r) => ({ FNumber: r.key, FName: `Seeded ${r.key}`, FModifyDate: cst(r.at) })));
    },
    async touch(key, at) {
      emu.admin.mutate('BD_Customer', key, { FShortName: 'touched', FModifyDate: cst(at) });
    },
    keyOf: (r: SourceRecord) => String(r.data.FNumber),
    validRecord: (key, v) => ({ FNumber: key, FName: name(key, v), FTRADINGCURRID: { FNumber: currency(v) }, FCreateOrgId: { FNumber: '100' } }),
    invalidRecord: (key) => ({ FNumber: key, FName: 'bad currency', FTRADINGCURRID: { FNumber: 'NO-SUCH-CURRENCY' } }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.FName === name(key, v) && (rec.FTRADINGCURRID as { Number?: string } | null)?.Number === currency(v);
    },
    effects: (key) => emu.admin.effects('BD_Customer').find((e) => e.key === key) ?? { entity: 'BD_Customer', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new KingdeeConnector(config({ auth: auth('wrong') })),
    badSecret: 'wrong',
    withTimeout: (ms) => new KingdeeConnector(config({ timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('kingdee-k3cloud', () => startKingdeeHarness());
connectorContract('kingdee-k3cloud (IsSuccess as strings, app-secret login)', () => startKingdeeHarness({ stringIsSuccess: true, appSecret: true }));
