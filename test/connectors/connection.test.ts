import { describe, expect, it } from 'vitest';
import { ConnectionSettingsError, createConnector, zoneOffsetMinutes, type SecretResolver } from '../../connectors/shared/connection.ts';
import { startJiandaoyunEmulator, DEFAULT_JDY_FORM } from '../../connectors/jiandaoyun/emulator/server.ts';
import { startKingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { startSalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';

/** Secrets by env name, as a worker would read process.env; an unknown reference is an error naming the field. */
const secrets: Record<string, string> = { SF_ID: 'syncspec-client', SF_SECRET: 'syncspec-secret', KD_PW: 'kingdee@123', JDY_KEY: 'jdy-test-api-key', JDY_PUSH: 'push' };
const resolve: SecretResolver = async (ref, field) => {
  const name = (ref as { env?: string } | undefined)?.env;
  const v = name === undefined ? undefined : secrets[name];
  if (v === undefined) throw new Error(`secret for ${field} not found`);
  return v;
};

describe('connectors from Connection specs', () => {
  it('builds each system from its auth method and options, against the emulators', async () => {
    const sf = await startSalesforceEmulator();
    const kd = await startKingdeeEmulator({ seed: { BD_Customer: [{ FNumber: 'C1', FName: '一', FModifyDate: '2026-03-01T10:00:00' }] } });
    const jdy = await startJiandaoyunEmulator({ seed: { [`${DEFAULT_JDY_FORM.appId}/${DEFAULT_JDY_FORM.entryId}`]: [{ _widget_1001: 'K1' }] } });
    const built = [
      await createConnector({ name: 'sf', system: 'salesforce', url: sf.url, auth: { method: 'oauth2-client-credentials', clientId: { env: 'SF_ID' }, clientSecret: { env: 'SF_SECRET' } }, options: { apiVersion: 'v62.0', fields: { Account: ['Name'] } } }, resolve),
      await createConnector({ name: 'kd', system: 'kingdee-k3cloud', url: kd.serverUrl, timezone: 'Asia/Shanghai', auth: { method: 'password', acctId: kd.acctId, username: 'syncspec', password: { env: 'KD_PW' } } }, resolve),
      await createConnector({ name: 'jdy', system: 'jiandaoyun', url: jdy.apiBase, auth: { method: 'api-key', apiKey: { env: 'JDY_KEY' } }, webhook: { secret: { env: 'JDY_PUSH' } }, options: { forms: { customers: DEFAULT_JDY_FORM } } }, resolve),
    ];
    try {
      sf.admin.seed('Account', [{ Name: 'A' }]);
      const [s, k, j] = built;
      expect((await s!.readChanges('Account', undefined, { limit: 200 })).records.map((r) => r.data.Name)).toEqual(['A']);
      expect((await k!.readChanges('BD_Customer', undefined, { limit: 10 })).records.map((r) => r.cursor)).toEqual(['2026-03-01T02:00:00.000Z']);
      expect((await j!.readChanges('customers', undefined, { limit: 10 })).records.map((r) => r.data._widget_1001)).toEqual(['K1']);
      expect(built.map((c) => [c.system, c.maxBatchSize])).toEqual([['salesforce', 200], ['kingdee-k3cloud', 100], ['jiandaoyun', 100]]);
    } finally {
      for (const c of built) await c.close();
      await Promise.all([sf.close(), kd.close(), jdy.close()]);
    }
  });

  it('refuses settings it cannot use with SS5166, naming the connection and field', async () => {
    const cases: [Parameters<typeof createConnector>[0], RegExp][] = [
      [{ name: 'x', system: 'kingdee-k3cloud', url: 'http://127.0.0.1:9/k3cloud', auth: { method: 'api-key' } }, /connection x: auth method "api-key" is not supported/],
      [{ name: 'y', system: 'kingdee-k3cloud', url: 'http://127.0.0.1:9/k3cloud', auth: { method: 'password', password: { env: 'KD_PW' }, username: 'u' } }, /connection y: auth\.acctId is required/],
      [{ name: 'z', system: 'salesforce', url: 'http://127.0.0.1:9', auth: { method: 'oauth2-client-credentials', clientId: { env: 'SF_ID' }, clientSecret: { env: 'SF_SECRET' } }, options: { apiVersion: 'latest' } }, /options\.apiVersion/],
      [{ name: 'w', system: 'jiandaoyun', url: 'http://127.0.0.1:9/api', auth: { method: 'api-key', apiKey: { env: 'JDY_KEY' } }, options: { forms: ['not', 'an', 'object'] } }, /options\.forms must be an object/],
      [{ name: 'v', system: 'no-such-system', url: 'http://127.0.0.1:9', auth: { method: 'x' } }, /no connector for system "no-such-system"/],
    ];
    for (const [settings, message] of cases) {
      const e = await createConnector(settings, resolve).catch((x: unknown) => x);
      expect(e, settings.name).toBeInstanceOf(ConnectionSettingsError);
      expect((e as ConnectionSettingsError).code).toBe('SS5166');
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('kingdee@123');
    }
  });

  it('reads IANA zone offsets', () => {
    expect(zoneOffsetMinutes('Asia/Shanghai')).toBe(480);
    expect(zoneOffsetMinutes('UTC')).toBe(0);
    expect(zoneOffsetMinutes('America/New_York', new Date(Date.UTC(2026, 0, 15)))).toBe(-300);
    expect(zoneOffsetMinutes('Not/A_Zone')).toBeUndefined();
  });
});
