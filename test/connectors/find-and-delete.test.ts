/**
 * The optional connector capabilities delivery modes use: `findKeys` (create-only / update-only) and
 * `deleteBatch` (mirror), against the Salesforce and Kingdee emulators.
 */
import { describe, expect, it } from 'vitest';
import { KingdeeConnector } from '../../connectors/kingdee-k3cloud/connector.ts';
import { startKingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { SalesforceConnector } from '../../connectors/salesforce/connector.ts';
import { startSalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';

describe('Salesforce findKeys / deleteBatch', () => {
  it('finds existing external ids, deletes by them to the recycle bin, and treats a missing or already deleted key as done', async () => {
    const emu = await startSalesforceEmulator();
    const c = new SalesforceConnector({ loginUrl: emu.url, auth: { flow: 'client_credentials', clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }, organizationId: emu.organizationId, timeoutMs: 5000 });
    try {
      const written = await c.upsertBatch('Account', 'AccountNumber', ['K-1', "K'2"].map((key) => ({ key, idempotencyKey: `${key}@1`, record: { Name: `客户 ${key}` } })));
      expect(written.map((r) => r.status)).toEqual(['ok', 'ok']);
      const found = await c.findKeys('Account', 'AccountNumber', ['K-1', "K'2", 'K-404']);
      expect([...found.keys()].sort()).toEqual(["K'2", 'K-1']);
      expect(found.get('K-1')).toBe(written[0]?.status === 'ok' ? written[0].targetId : undefined);
      const deleted = await c.deleteBatch('Account', 'AccountNumber', ['K-1', 'K-404']);
      expect(deleted).toEqual([
        { key: 'K-1', status: 'ok', targetId: found.get('K-1') },
        { key: 'K-404', status: 'ok', targetId: '' },
      ]);
      expect(emu.admin.records('Account').filter((r) => r.IsDeleted !== true).map((r) => r.AccountNumber)).toEqual(["K'2"]);
      expect(emu.admin.effects('Account').find((e) => e.key === 'K-1')).toMatchObject({ creates: 1, deletes: 1 });
      expect(await c.deleteBatch('Account', 'AccountNumber', ['K-1'])).toEqual([{ key: 'K-1', status: 'ok', targetId: '' }]);
    } finally {
      await c.close();
      await emu.close();
    }
  });
});

describe('Kingdee findKeys / deleteBatch', () => {
  it('deletes saved customers by number, refuses audited ones as rejected, and a missing number is done', async () => {
    const emu = await startKingdeeEmulator();
    const c = new KingdeeConnector({ serverUrl: emu.serverUrl, acctId: emu.acctId, username: 'syncspec', auth: { kind: 'password', password: 'kingdee@123' }, timeoutMs: 5000 });
    try {
      // Seeded records are audited (FDocumentStatus C) as if a person had approved them.
      emu.admin.seed('BD_Customer', [{ FNumber: 'C-AUDITED', FName: '已审核客户', FCreateOrgId: { FNumber: '101' }, FUseOrgId: { FNumber: '101' } }]);
      const saved = await c.upsertBatch('BD_Customer', 'FNumber', [{ key: 'C-1', idempotencyKey: 'C-1@1', record: { FName: '客户一', FCreateOrgId: '101', FUseOrgId: '101' } }]);
      expect(saved[0]?.status).toBe('ok');
      const found = await c.findKeys('BD_Customer', 'FNumber', ['C-1', 'C-AUDITED', 'C-404']);
      expect([...found.keys()].sort()).toEqual(['C-1', 'C-AUDITED']);
      const results = await c.deleteBatch('BD_Customer', 'FNumber', ['C-1', 'C-AUDITED', 'C-404']);
      expect(results[0]).toEqual({ key: 'C-1', status: 'ok', targetId: found.get('C-1') });
      expect(results[1]).toMatchObject({ key: 'C-AUDITED', status: 'reject', error: { class: 'rejected', message: expect.stringContaining('已审核') } });
      expect(results[2]).toEqual({ key: 'C-404', status: 'ok', targetId: '' });
      expect(emu.admin.records('BD_Customer').map((r) => r.FNumber)).toEqual(['C-AUDITED']);
      expect(emu.admin.effects('BD_Customer')).toEqual([{ entity: 'BD_Customer', key: 'C-1', creates: 1, updates: 0, deletes: 1 }]);
    } finally {
      await c.close();
      await emu.close();
    }
  });
});
