/**
 * `syncspec up` in a child process on a temp copy of a small repo, against the Salesforce and Kingdee
 * emulators running in the test: a mapping edit is hot-swapped, a broken save prints diagnostics with
 * file:line:col while the last good version keeps delivering, a delivery-settings change restarts the
 * worker on the same port, and SIGTERM drains and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FORMS } from '../connectors/kingdee-k3cloud/emulator/forms.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../connectors/kingdee-k3cloud/emulator/server.ts';
import { DEFAULT_OBJECTS } from '../connectors/salesforce/emulator/objects.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../connectors/salesforce/emulator/server.ts';

const ROOT = join(import.meta.dirname, '..');
const SPEC = 'crm-account-to-erp-customer';
const SPEC_FILE = `specs/flows/${SPEC}.yaml`;

let sf: SalesforceEmulator;
let kd: KingdeeEmulator;
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  const account = DEFAULT_OBJECTS.Account!;
  sf = await startSalesforceEmulator({ objects: { ...DEFAULT_OBJECTS, Account: { ...account, fields: { ...account.fields, CurrencyIsoCode: { type: 'picklist', length: 3 } } } } });
  const customer = DEFAULT_FORMS.BD_Customer!;
  kd = await startKingdeeEmulator({ forms: { BD_Customer: { ...customer, fields: { ...customer.fields, F_SYNC_SourceId: { kind: 'text', maxLength: 80 } } } } });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await sf?.close();
  await kd?.close();
});

/** A small repo: the account spec, its lookups and schemas, and Connections that point at the emulators with env secrets. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w5-up-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'specs/flows'), { recursive: true });
  mkdirSync(join(dir, 'specs/connections'));
  cpSync(join(ROOT, 'specs/lookups'), join(dir, 'specs/lookups'), { recursive: true });
  cpSync(join(ROOT, 'specs/schemas'), join(dir, 'specs/schemas'), { recursive: true });
  cpSync(join(ROOT, 'specs/flows/customers', `${SPEC}.yaml`), join(dir, SPEC_FILE));
  writeFileSync(
    join(dir, 'specs/connections/salesforce-prod.yaml'),
    `apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: salesforce-prod }
spec:
  system: salesforce
  url: ${sf.url}
  auth:
    method: oauth2-client-credentials
    clientId: { env: W5_SF_CLIENT_ID }
    clientSecret: { env: W5_SF_CLIENT_SECRET }
  options: { organizationId: ${sf.organizationId} }
`,
  );
  writeFileSync(
    join(dir, 'specs/connections/kingdee-prod.yaml'),
    `apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: kingdee-prod }
spec:
  system: kingdee-k3cloud
  url: ${kd.serverUrl}
  timezone: Asia/Shanghai
  auth: { method: password, acctId: "${kd.acctId}", username: syncspec, password: { env: W5_KD_PASSWORD } }
`,
  );
  return dir;
}

function up(dir: string, args: string[] = []) {
  let out = '';
  const child = spawn(process.execPath, [join(ROOT, 'bin/syncspec.js'), 'up', '--port', '0', '--store', join(dir, 'state.db'), ...args], {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      LOG_LEVEL: 'warn',
      W5_SF_CLIENT_ID: 'syncspec-client',
      W5_SF_CLIENT_SECRET: 'syncspec-secret',
      W5_KD_PASSWORD: 'kingdee@123',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

function edit(dir: string, from: string, to: string): void {
  const file = join(dir, SPEC_FILE);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

/** A person creates an account in Salesforce; its Outbound Message goes to the worker's webhook. */
async function createAccount(hook: string, number: string): Promise<void> {
  const [rec] = sf.admin.seed('Account', [{ Name: ` 客户 ${number} `, AccountNumber: number, Region__c: '华东' }]);
  await sf.admin.sendOutbound({ url: hook, type: 'Account', ids: [rec!.Id] });
}

const nameIn = (number: string) => () => kd.admin.records('BD_Customer').find((r) => r.FNumber === number)?.FName;
const count = (s: string, what: string) => s.split(what).length - 1;

describe('syncspec up', () => {
  it('hot-swaps a mapping on save, keeps the last good version when a save breaks it, restarts on delivery changes', async () => {
    const dir = makeRepo();
    const run = up(dir);
    await expect.poll(run.out, { timeout: 20_000 }).toContain('watching specs/ for changes');
    const hook = new RegExp(`(http://127\\.0\\.0\\.1:\\d+/hooks/${SPEC})`).exec(run.out())?.[1] as string;
    expect(hook).toBeDefined();

    await createAccount(hook, 'UP-1');
    await expect.poll(nameIn('UP-1'), { timeout: 15_000 }).toBe('客户 UP-1');

    // A mapping change: the new transform is swapped in, no restart.
    edit(dir, 'FName: source.Name.trim()', "FName: source.Name.trim() + '（新）'");
    await expect.poll(() => count(run.out(), `SS5092 reloaded ${SPEC}`), { timeout: 15_000 }).toBe(1);
    await createAccount(hook, 'UP-2');
    await expect.poll(nameIn('UP-2'), { timeout: 15_000 }).toBe('客户 UP-2（新）');

    // A broken save: diagnostics with file:line:col, and the last good version keeps delivering.
    edit(dir, "FName: source.Name.trim() + '（新）'", "FName: source.Nmae.trim() + '（坏）'");
    await expect.poll(run.out, { timeout: 15_000 }).toContain(`error SS5093: ${SPEC} does not compile; its last good version keeps running`);
    expect(run.out()).toMatch(new RegExp(`${SPEC_FILE.replaceAll('.', '\\.')}:22:\\d+: error SS3\\d{3}: .*"Nmae"`));
    await createAccount(hook, 'UP-3');
    await expect.poll(nameIn('UP-3'), { timeout: 15_000 }).toBe('客户 UP-3（新）');

    // Fixed, with a delivery change too: the worker is drained and started again on the same port.
    edit(dir, "FName: source.Nmae.trim() + '（坏）'", "FName: source.Name.trim() + '（三）'");
    edit(dir, 'batch: { size: 50, maxWait: 2s }', 'batch: { size: 20, maxWait: 1s }');
    await expect.poll(run.out, { timeout: 20_000 }).toContain('SS5092 reloading: connections, triggers or delivery settings changed');
    await expect.poll(() => count(run.out(), hook), { timeout: 20_000 }).toBe(2);
    await createAccount(hook, 'UP-4');
    await expect.poll(nameIn('UP-4'), { timeout: 15_000 }).toBe('客户 UP-4（三）');
    for (const e of kd.admin.effects('BD_Customer').filter((e) => e.key.startsWith('UP-'))) expect([e.creates, e.updates]).toEqual([1, 0]);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('stopped\n');
  }, 90_000);

  it('refuses to start a repository with errors: SS5090 and the diagnostics, exit 1', async () => {
    const dir = makeRepo();
    edit(dir, 'FName: source.Name.trim()', 'FName: source.Nmae.trim()');
    const run = up(dir);
    expect(await run.exited).toBe(1);
    expect(run.out()).toMatch(new RegExp(`${SPEC_FILE.replaceAll('.', '\\.')}:22:\\d+: error SS3\\d{3}`));
    expect(run.out()).toContain('error SS5090:');
  }, 30_000);
});
