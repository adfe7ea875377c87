/** SIGTERM on a real worker process: intake stops, the batch in flight finishes, the process exits 0. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../runtime/inbox/sqlite.ts';
import { signGeneric } from '../../runtime/webhook/hmac.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('drains on SIGTERM: finishes the in-flight batch, refuses new pushes, exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-drain-'));
  dirs.push(dir);
  const db = join(dir, 'state.db');
  const child = spawn(process.execPath, [join(import.meta.dirname, 'worker-process.ts'), db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await expect.poll(() => /listening (\S+)/.exec(err)?.[1], { timeout: 15_000 }).toBeTruthy();
  const url = /listening (\S+)/.exec(err)![1]!;
  const post = (body: string) => {
    const ts = Math.floor(Date.now() / 1000);
    return fetch(`${url}/hooks/accounts`, { method: 'POST', body, headers: { 'x-syncspec-signature': signGeneric('whsec', ts, body), 'x-syncspec-timestamp': String(ts) } });
  };
  expect((await post('{"id":"001","version":"1","data":{"Id":"001","Name":"深圳"}}')).status).toBe(200);
  await expect.poll(() => err.includes('upsert-started 1'), { timeout: 10_000 }).toBe(true);
  child.kill('SIGTERM');
  await expect.poll(() => out.includes('"code":"SS5071"'), { timeout: 10_000 }).toBe(true);
  expect((await post('{"id":"002","version":"1","data":{"Id":"002","Name":"x"}}')).status).toBe(503);
  child.stdin.write('release\n');
  expect(await exited).toBe(0);
  const codes = out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { code?: string }).code);
  expect(codes.filter((c) => c === 'SS5071' || c === 'SS5072' || c === 'SS5073')).toEqual(['SS5071', 'SS5072']);
  const store = await openSqliteStore(db);
  try {
    expect(await store.depth()).toEqual({});
    expect(await store.crosswalkGet('accounts', ['001', '002'])).toEqual(new Map([['001', 'T-001']]));
  } finally {
    await store.close();
  }
});
