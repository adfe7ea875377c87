import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { request } from 'undici';
import { expect, it } from 'vitest';

const main = join(import.meta.dirname, '../../salesforce/emulator/main.ts');

it('runs an emulator as its own process, prints its URL, applies --faults, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [main, '--port', '0', '--faults', '{"next":["throttle"]}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string;
    const limited = await request(`${url}/services/data/`);
    expect(limited.statusCode).toBe(403);
    await limited.body.text();
    const ok = await request(`${url}/services/data/`);
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

it('exits 2 naming a bad argument', async () => {
  const child = spawn(process.execPath, [main, '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(2);
  expect(err).toContain('--port must be an integer');
});

it.each([
  ['sap-s4hana', /\(services under \/sap\/opu\/odata\/sap\/, user \S+\)/],
  ['zoho-crm', /\(accounts host and api_domain\)/],
  ['yonyou-u8', /\(from_account \S+, to_account \S+\)/],
])('runs the %s emulator through the same runner, with its detail, and stops on SIGTERM', async (system, detail) => {
  const child = spawn(process.execPath, [join(import.meta.dirname, `../../${system}/emulator/main.ts`), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toMatch(new RegExp(`^${system} emulator listening on http://127\\.0\\.0\\.1:\\d+ `));
    expect(out).toMatch(detail);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
