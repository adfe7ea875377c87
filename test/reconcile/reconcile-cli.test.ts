/**
 * `syncspec reconcile` end to end: the example spec `crm-account-to-erp-customer` over a real Salesforce
 * emulator and a real Kingdee emulator, through the real command. Differences are seeded in Kingdee the
 * way people make them (edits in the client, deletions, records keyed in by hand), then repaired.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';
import { PACKAGE_ROOT } from '../../compiler/cli/repo.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { exampleKingdeeForms, exampleSalesforceObjects } from '../../runtime/demo/example-systems.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';

const SPEC = 'crm-account-to-erp-customer';
const SECRETS = { RC_SF_CLIENT_ID: 'syncspec-client', RC_SF_CLIENT_SECRET: 'syncspec-secret', RC_KD_PASSWORD: 'kingdee@123' };
const REGIONS = ['华东', '华南', '华北', '西南'];

let sf: SalesforceEmulator;
let kd: KingdeeEmulator;
let dir: string;

function io(): CliIO & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    cwd: PACKAGE_ROOT,
    env: { ...SECRETS, CI: 'true', },
    isTTY: false,
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
  };
  return o;
}

async function reconcile(...extra: string[]) {
  const o = io();
  const code = await main(['reconcile', SPEC, '--overrides', join(dir, 'connections.json'), '--store', join(dir, 'state.db'), '--out', join(dir, 'reports'), '--json', '--timeout', '60s', ...extra], o);
  if (code === 2) throw new Error(`reconcile failed: ${o.err}`);
  return { code, out: JSON.parse(o.out) as { summary: { counts: Record<string, number>; fieldMismatches: Record<string, number> }; repair?: Record<string, unknown>; reports: { json: string; html: string } }, err: o.err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syncspec-reconcile-'));
  sf = await startSalesforceEmulator({ port: 0, objects: exampleSalesforceObjects });
  kd = await startKingdeeEmulator({
    port: 0,
    forms: exampleKingdeeForms,
    seed: { ORG_Organizations: [{ FNumber: '102', FName: '华南销售公司' }, { FNumber: '103', FName: '华北销售公司' }, { FNumber: '104', FName: '西南销售公司' }] },
  });
  sf.admin.seed(
    'Account',
    Array.from({ length: 24 }, (_, i) => ({
      Name: `${REGIONS[i % 4]}恒信贸易有限公司 ${i}`,
      AccountNumber: `CN-${String(i + 1).padStart(6, '0')}`,
      // No region: the head-office organisation 100, the one the Connection's useOrgNumber looks customers up in.
      Region__c: null,
      CurrencyIsoCode: 'CNY',
      BillingState: '上海市',
      BillingCity: '浦东新区',
      BillingStreet: `张江路${i + 1}号`,
      Phone: i % 3 === 0 ? null : `+86 21 5000 ${String(i).padStart(4, '0')}`,
    })),
  );
  writeFileSync(
    join(dir, 'connections.json'),
    JSON.stringify({
      'salesforce-prod': { url: sf.url, auth: { method: 'oauth2-client-credentials', clientId: { env: 'RC_SF_CLIENT_ID' }, clientSecret: { env: 'RC_SF_CLIENT_SECRET' } } },
      'kingdee-prod': { url: kd.serverUrl, auth: { method: 'password', acctId: kd.acctId, username: 'syncspec', password: { env: 'RC_KD_PASSWORD' } } },
    }),
  );
});

afterAll(async () => {
  await sf?.close();
  await kd?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('syncspec reconcile', () => {
  it('reports every record missing in an empty target; --dry-run lists what --repair would send and sends nothing', async () => {
    const r = await reconcile('--dry-run');
    expect(r.code).toBe(1);
    expect(r.out.summary.counts).toMatchObject({ source: 24, target: 0, equal: 0, missing: 24, extra: 0, different: 0, unmappable: 0 });
    expect((r.out.repair as { wouldSend: unknown[] }).wouldSend).toHaveLength(24);
    expect(kd.admin.records('BD_Customer')).toHaveLength(0);
    expect(r.err).toContain('SS5203');
  });

  it('--repair sends them through the delivery path, and a second run finds the systems equal', async () => {
    const repaired = await reconcile('--repair');
    expect(repaired.out.repair).toMatchObject({ queued: 24, delivered: 24, deadLettered: 0, pending: 0 });
    expect(kd.admin.records('BD_Customer')).toHaveLength(24);
    const again = await reconcile();
    expect(again.code).toBe(0);
    expect(again.out.summary.counts).toMatchObject({ equal: 24, missing: 0, extra: 0, different: 0 });
  });

  it('finds an edit, a record never synced and a record keyed in by hand, and ignores a change of Unicode form only', async () => {
    kd.admin.mutate('BD_Customer', 'CN-000002', { FName: '华南恒信贸易有限公司（已改名）' });
    // Same text, decomposed (NFD): a client that stores it so is not a difference.
    const nfd = '华北恒信贸易有限公司 2'.normalize('NFD');
    kd.admin.mutate('BD_Customer', 'CN-000003', { FName: nfd });
    // Created in Salesforce while no worker ran: never synced.
    sf.admin.seed('Account', [{ Name: '西南新客户有限公司', AccountNumber: 'CN-000025', Region__c: null, CurrencyIsoCode: 'CNY', BillingState: '四川省', BillingCity: '成都市', BillingStreet: '天府大道1号' }]);
    kd.admin.seed('BD_Customer', [{ FNumber: 'MANUAL-1', FName: '手工录入客户', FCreateOrgId: { FNumber: '100' }, FUseOrgId: { FNumber: '100' } }]);

    const r = await reconcile();
    expect(r.code).toBe(1);
    expect(r.out.summary.counts).toMatchObject({ source: 25, equal: 23, missing: 1, extra: 1, different: 1 });
    expect(r.out.summary.fieldMismatches).toEqual({ FName: 1 });
    const report = JSON.parse(readFileSync(r.out.reports.json, 'utf8')) as { differences: { kind: string; key: string; fields?: { field: string; source: unknown; target: unknown }[] }[] };
    expect(report.differences).toEqual([
      { kind: 'missing', key: 'CN-000025', sourceId: expect.any(String) },
      { kind: 'extra', key: 'MANUAL-1', targetId: expect.any(String) },
      {
        kind: 'different', key: 'CN-000002', sourceId: expect.any(String), targetId: expect.any(String),
        fields: [{ field: 'FName', source: '华南恒信贸易有限公司 1', target: '华南恒信贸易有限公司（已改名）' }],
      },
    ]);
    expect(existsSync(r.out.reports.html)).toBe(true);
    expect(readFileSync(r.out.reports.html, 'utf8')).toContain('CN-000002');
  });

  it('--repair converges: what is missing or different is re-sent; the hand-keyed record stays extra', async () => {
    const repaired = await reconcile('--repair');
    expect(repaired.out.repair).toMatchObject({ queued: 2, delivered: 2, deadLettered: 0, pending: 0 });
    const after = await reconcile();
    expect(after.out.summary.counts).toMatchObject({ equal: 25, missing: 0, different: 0, extra: 1 });
    const effects = kd.admin.effects('BD_Customer');
    expect(effects.filter((e) => e.creates > 1)).toEqual([]);
  });

  it('refuses bad arguments with a usage message', async () => {
    const o = io();
    expect(await main(['reconcile'], o)).toBe(2);
    expect(await main(['reconcile', SPEC, '--repair', '--dry-run'], o)).toBe(2);
    expect(o.err).toContain('exclude each other');
  });
});
