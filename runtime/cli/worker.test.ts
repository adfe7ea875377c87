/**
 * `syncspec worker` in-process: connection overrides (file, env, flag; precedence; malformed ones
 * coded SS5226), usage errors, and start-up failures reported as coded JSON log lines with exit 1.
 * The full run against the operator's bundle and the emulators is test/operator/worker-bundle.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';
import { DEFAULT_FORMS } from '../../connectors/kingdee-k3cloud/emulator/forms.ts';
import { startKingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { DEFAULT_OBJECTS } from '../../connectors/salesforce/emulator/objects.ts';
import { startSalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import { loadBundles } from '../bundle.ts';
import { manualClock } from '../clock.ts';
import { openStore } from '../inbox/open.ts';
import { createLogger } from '../ops/log.ts';
import { buildConnectors, bundleWorker, connectionOverrides } from './worker.ts';

const ROOT = join(import.meta.dirname, '../..');
const SPEC = 'crm-account-to-erp-customer';
const work = mkdtempSync(join(tmpdir(), 'syncspec-worker-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function io(env: Record<string, string> = {}, cwd = ROOT): CliIO & { out: string; err: string; logs(): Record<string, unknown>[] } {
  const o = {
    out: '',
    err: '',
    cwd,
    env,
    isTTY: false,
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    logs: () => o.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
  return o;
}

describe('connectionOverrides', () => {
  it('file, then $SYNCSPEC_CONNECTION_<NAME>_URL, then --connection; the file keeps auth and options', () => {
    const file = join(work, 'overrides.json');
    writeFileSync(file, JSON.stringify({ 'kingdee-prod': { url: 'http://file/k3', options: { useOrgNumber: '101' } }, 'salesforce-prod': { url: 'http://file/sf' } }));
    const env = { SYNCSPEC_CONNECTION_OVERRIDES: file, SYNCSPEC_CONNECTION_KINGDEE_PROD_URL: 'http://env/k3', SYNCSPEC_CONNECTION_SALESFORCE_PROD_URL: 'http://env/sf' };
    const out = connectionOverrides({ connection: ['salesforce-prod=http://flag/sf'] }, { cwd: work, env }, ['kingdee-prod', 'salesforce-prod']);
    expect(out).toEqual({
      'kingdee-prod': { url: 'http://env/k3', options: { useOrgNumber: '101' } },
      'salesforce-prod': { url: 'http://flag/sf' },
    });
  });

  it('--overrides wins over $SYNCSPEC_CONNECTION_OVERRIDES; env URLs only for connections in use', () => {
    const a = join(work, 'a.json');
    const b = join(work, 'b.json');
    writeFileSync(a, JSON.stringify({ x: { url: 'http://a/' } }));
    writeFileSync(b, JSON.stringify({ x: { url: 'http://b/' } }));
    expect(connectionOverrides({ overrides: 'b.json' }, { cwd: work, env: { SYNCSPEC_CONNECTION_OVERRIDES: a, SYNCSPEC_CONNECTION_Y_URL: 'http://y/' } }, ['x'])).toEqual({ x: { url: 'http://b/' } });
  });

  it('malformed overrides are SS5226 naming the problem', () => {
    const bad = join(work, 'bad.json');
    for (const [text, message] of [['{ not json', /cannot be read as JSON/], ['[1]', /must be a JSON object/], ['{"x": {"options": {}}}', /"x" needs a string url/]] as const) {
      writeFileSync(bad, text);
      expect(() => connectionOverrides({ overrides: bad }, { cwd: work, env: {} }, ['x'])).toThrow(message);
    }
    expect(() => connectionOverrides({ overrides: 'missing.json' }, { cwd: work, env: {} }, [])).toThrow(/^SS5226: .*missing\.json/);
    expect(() => connectionOverrides({}, { cwd: work, env: { SYNCSPEC_CONNECTION_X_URL: 'not a url' } }, ['x'])).toThrow(/^SS5226: SYNCSPEC_CONNECTION_X_URL: "not a url" is not a URL/);
  });

  it('property: `--connection name=url` sets exactly that URL, and the env variable name is derived from the name', () => {
    const name = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/);
    const url = fc.webUrl();
    fc.assert(
      fc.property(name, url, url, (n, flagUrl, envUrl) => {
        const variable = `SYNCSPEC_CONNECTION_${n.toUpperCase().replace(/[-.]/g, '_')}_URL`;
        expect(connectionOverrides({ connection: [`${n}=${flagUrl}`] }, { cwd: work, env: {} }, [n])).toEqual({ [n]: { url: flagUrl } });
        expect(connectionOverrides({}, { cwd: work, env: { [variable]: envUrl } }, [n])).toEqual({ [n]: { url: envUrl } });
      }),
    );
  });
});

describe('syncspec worker start-up problems', () => {
  it('usage errors exit 2', async () => {
    for (const args of [[], ['--generated', 'generated', '--port', '70000'], ['--generated', 'generated', '--connection', 'no-equals-sign'], ['--generated', 'generated', '--drain-timeout', '0']]) {
      const o = io();
      expect(await main(['worker', ...args], o), args.join(' ')).toBe(2);
      expect(o.err).toContain('usage: syncspec worker');
    }
  });

  it('a missing bundle is exit 1 with an SS5220 log line and a line for people on stderr', async () => {
    const o = io();
    expect(await main(['worker', '--generated', work, '--spec', 'nothing-here'], o)).toBe(1);
    expect(o.logs()).toEqual([expect.objectContaining({ level: 'error', code: 'SS5220' })]);
    expect(o.err).toMatch(/^error SS5220: no bundle for spec nothing-here/m);
    expect(o.err).toContain('syncspec worker: not started');
  });

  it('secrets that cannot be read are SS5091 naming where they were looked for; nothing starts', async () => {
    const secrets = join(work, 'secrets-empty');
    mkdirSync(secrets, { recursive: true });
    const o = io({ SYNCSPEC_SECRETS_DIR: secrets });
    expect(await main(['worker', '--generated', 'generated', '--repo', 'specs', '--spec', SPEC, '--port', '0', '--store', join(work, 'never.db')], o)).toBe(1);
    const logs = o.logs();
    expect(logs.map((l) => l.code)).toContain('SS5091');
    expect(logs.filter((l) => l.code === 'SS5091').map((l) => l.msg).join('\n')).toContain(`${secrets}/salesforce-prod/clientId does not exist`);
    expect(logs.some((l) => l.code === 'SS5070')).toBe(false);
  });

  /** Secrets mounted and Kingdee's auth overridden, so both connectors of the example spec can be built. */
  function buildable(): Record<string, string> {
    const secrets = join(work, 'secrets');
    for (const [s, k] of [['salesforce-prod', 'clientId'], ['salesforce-prod', 'clientSecret'], ['kingdee-prod', 'appId'], ['kingdee-prod', 'appSecret']] as const) {
      mkdirSync(join(secrets, s), { recursive: true });
      writeFileSync(join(secrets, s, k), 'value\n');
    }
    const overrides = join(work, 'kd-auth.json');
    writeFileSync(overrides, JSON.stringify({ 'kingdee-prod': { url: 'http://127.0.0.1:9/k3cloud/', auth: { method: 'app-secret', acctId: 'a', username: 'u', appId: { secretKeyRef: { name: 'kingdee-prod', key: 'appId' } }, appSecret: { secretKeyRef: { name: 'kingdee-prod', key: 'appSecret' } } } } }));
    return { SYNCSPEC_SECRETS_DIR: secrets, SYNCSPEC_CONNECTION_OVERRIDES: overrides };
  }

  it('a port in use is SS5228 naming it; the store and connectors are closed again', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    const handlers = process.listenerCount('SIGTERM');
    try {
      const o = io({ ...buildable(), SYNCSPEC_STORE: join(work, 'port.db') });
      expect(await main(['worker', '--generated', 'generated', '--repo', 'specs', '--spec', SPEC, '--host', '127.0.0.1', '--port', String(port)], o)).toBe(1);
      const failed = o.logs().find((l) => l.code === 'SS5228');
      expect(failed).toMatchObject({ level: 'error', detail: `listening on 127.0.0.1:${port}` });
      expect(String(failed?.msg)).toContain('EADDRINUSE');
      expect(process.listenerCount('SIGTERM')).toBe(handlers);
    } finally {
      taken.close();
    }
  });

  it('a store that cannot be opened is SS5010 (connectors built first are closed again)', async () => {
    // A directory that cannot be created: its parent is a file.
    const blocked = join(work, 'a-file');
    writeFileSync(blocked, 'not a directory\n');
    const o = io({ ...buildable(), SYNCSPEC_STORE: join(blocked, 'state.db') });
    expect(await main(['worker', '--generated', 'generated', '--repo', 'specs', '--spec', SPEC, '--port', '0'], o)).toBe(1);
    expect(o.logs().map((l) => l.code)).toEqual(['SS5010']);
    expect(o.err).toContain(`error SS5010: cannot open state store ${join(blocked, 'state.db')}`);
  });
});

describe('bundleWorker', () => {
  it('runs the spec\'s `mode: reconcile` schedule: report written, gauges on /metrics, the missing record repaired into Kingdee', { timeout: 30_000 }, async () => {
    const account = DEFAULT_OBJECTS.Account!;
    const sf = await startSalesforceEmulator({ port: 0, objects: { ...DEFAULT_OBJECTS, Account: { ...account, fields: { ...account.fields, CurrencyIsoCode: { type: 'picklist', length: 3 } } } } });
    const customer = DEFAULT_FORMS.BD_Customer!;
    const kd = await startKingdeeEmulator({ port: 0, acctId: 'acct', username: 'u', appId: 'app', appSecret: 'app-secret', forms: { BD_Customer: { ...customer, fields: { ...customer.fields, F_SYNC_SourceId: { kind: 'text', maxLength: 80 } } } } });
    const secrets = join(work, 'reconcile-secrets');
    for (const [s, k, v] of [['salesforce-prod', 'clientId', 'syncspec-client'], ['salesforce-prod', 'clientSecret', 'syncspec-secret'], ['kingdee-prod', 'appId', 'app'], ['kingdee-prod', 'appSecret', 'app-secret']] as const) {
      mkdirSync(join(secrets, s), { recursive: true });
      writeFileSync(join(secrets, s, k), v);
    }
    const lines: Record<string, any>[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
    const bundles = await loadBundles({ generated: 'generated', cwd: ROOT, buildDir: join(work, 'build'), specs: [SPEC], repo: 'specs' });
    const overrides = {
      'salesforce-prod': { url: sf.url, options: { organizationId: sf.organizationId } },
      'kingdee-prod': { url: kd.serverUrl, auth: { method: 'app-secret', acctId: 'acct', username: 'u', appId: { secretKeyRef: { name: 'kingdee-prod', key: 'appId' } }, appSecret: { secretKeyRef: { name: 'kingdee-prod', key: 'appSecret' } } } },
    } as const;
    const built = await buildConnectors(bundles, overrides as any, ['kingdee-prod', 'salesforce-prod'], { cwd: work, env: { SYNCSPEC_SECRETS_DIR: secrets } });
    if ('diagnostics' in built) throw new Error(JSON.stringify(built.diagnostics));
    const store = await openStore(join(work, 'reconcile.db'), work);
    // 01:59:30 in Shanghai: the spec's schedule (0 2 * * *, Asia/Shanghai) fires 30 s later.
    const clock = manualClock(Date.parse('2026-01-01T17:59:30Z'));
    const reports = join(work, 'reconcile-reports');
    const worker = bundleWorker({ bundles, connectors: built, store, log, reportsDir: reports, http: false, clock });
    try {
      const [acct] = sf.admin.seed('Account', [{ Name: 'Missed By The Webhook', AccountNumber: 'rc-0001', CurrencyIsoCode: 'CNY' }]);
      await worker.start();
      await clock.advance(31_000);
      await expect.poll(() => lines.find((l) => l.msg === 'reconcile: systems differ'), { timeout: 10_000, interval: 20 }).toMatchObject({ code: 'SS5203', spec: SPEC, missing: 1, requeued: 1 });
      const differ = lines.find((l) => l.msg === 'reconcile: systems differ')!;
      expect(readFileSync(differ.report, 'utf8')).toContain('RC-0001');
      // The repair goes through the deliverer (batch wait on the worker's clock).
      await expect.poll(async () => {
        await clock.advance(1_000);
        return kd.admin.records('BD_Customer').find((r) => r.FNumber === 'RC-0001');
      }, { timeout: 10_000, interval: 20 }).toMatchObject({ FName: 'Missed By The Webhook', F_SYNC_SourceId: acct!.Id });
      const metrics = await worker.metrics.registry.metrics();
      expect(metrics).toContain(`syncspec_reconcile_records{spec="${SPEC}",kind="missing"} 1`);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      await worker.stop();
      for (const c of Object.values(built.connectors)) await c.close();
      await store.close();
      await sf.close();
      await kd.close();
    }
  });
});
