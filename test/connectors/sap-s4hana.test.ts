import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../runtime/support/connector.ts';
import type { SapConfig } from '../../connectors/sap-s4hana/client.ts';
import { SapConnector } from '../../connectors/sap-s4hana/connector.ts';
import { startSapEmulator, type SapEmulator, type SapEmulatorOptions } from '../../connectors/sap-s4hana/emulator/server.ts';
import { connectorContract, type ContractHarness } from './contract.ts';

function configFor(emu: SapEmulator, over: Partial<SapConfig> = {}): SapConfig {
  return { baseUrl: emu.url, username: emu.user, password: 'sap-comm-password', timeoutMs: 10_000, ...over };
}

const HEADER = { SalesOrderType: 'OR', SalesOrganization: '1010', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: '17100001' };

export async function startSapHarness(opts: SapEmulatorOptions = {}): Promise<ContractHarness> {
  const emu = await startSapEmulator(opts);
  const connector = new SapConnector(configFor(emu));
  const byKey = (key: string) => emu.admin.records('A_SalesOrder').find((r) => r.PurchaseOrderByCustomer === key);
  return {
    connector,
    entity: 'A_SalesOrder',
    keyField: 'PurchaseOrderByCustomer',
    pageLimit: 7,
    ordered: true,
    writePathContains: '/A_SalesOrder',
    dropWriteAnswers: (count) => emu.admin.loseWriteAnswers(count),
    async seedChanges(rows) {
      emu.admin.seed('A_SalesOrder', rows.map((r) => ({ ...HEADER, PurchaseOrderByCustomer: r.key, LastChangeDateTime: r.at })));
    },
    async touch(key, at) {
      const rec = byKey(key);
      if (!rec) throw new Error(`no sales order ${key}`);
      emu.admin.mutate('A_SalesOrder', { SalesOrder: String(rec.SalesOrder) }, { CustomerPaymentTerms: '0009', LastChangeDateTime: at });
    },
    keyOf: (r: SourceRecord) => String(r.data.PurchaseOrderByCustomer),
    validRecord: (key, v) => ({
      ...HEADER,
      PurchaseOrderByCustomer: key,
      CustomerPaymentTerms: `000${v}`,
      SalesOrderDate: `2026-03-0${v}`,
      to_Item: [{ Material: 'TG11', RequestedQuantity: 2.5 * v, RequestedQuantityUnit: 'PC', SalesOrderItemText: `数量 ${v}` }],
    }),
    invalidRecord: (key) => ({ ...HEADER, SoldToParty: '99999999', PurchaseOrderByCustomer: key, to_Item: [{ Material: 'TG11', RequestedQuantity: '1', RequestedQuantityUnit: 'PC' }] }),
    storedMatches(key, v) {
      const rec = byKey(key);
      return rec !== undefined && rec.CustomerPaymentTerms === `000${v}` && rec.SalesOrderDate === `/Date(${Date.UTC(2026, 2, v)})/`;
    },
    effects: (key) => emu.admin.effects('A_SalesOrder').find((e) => e.key === key) ?? { entity: 'A_SalesOrder', key, creates: 0, updates: 0, deletes: 0 },
    setFaults: (f) => emu.admin.setFaults(f),
    stats: () => emu.admin.stats(),
    expireSessions: () => emu.admin.expireSessions(),
    withBadCredentials: () => new SapConnector(configFor(emu, { password: 'wrong-sap-password' })),
    async seedDuplicateTarget(key) {
      emu.admin.seed('A_SalesOrder', [{ ...HEADER, PurchaseOrderByCustomer: key }, { ...HEADER, PurchaseOrderByCustomer: key }]);
    },
    badSecret: 'wrong-sap-password',
    withTimeout: (ms) => new SapConnector(configFor(emu, { timeoutMs: ms })),
    async close() {
      await connector.close();
      await emu.close();
    },
  };
}

connectorContract('sap-s4hana', () => startSapHarness(), { ambiguousKeys: true });
connectorContract('sap-s4hana (server pages of 3 rows)', () => startSapHarness({ serverPageSize: 3 }));
