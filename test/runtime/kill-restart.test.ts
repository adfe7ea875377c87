/**
 * SIGKILL a worker process in the middle of batches and restart it, twice: every record sent ends up in
 * the Kingdee emulator exactly once as a record (a batch cut off after the write may be written again —
 * an idempotent update — never a second create), nothing is left in the inbox, nothing dead-lettered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { signGeneric } from '../../runtime/webhook/hmac.ts';
import { STORE_KINDS, testStore, type TestStore } from './stores.ts';

const N = 120;

describe.each(STORE_KINDS)('kill -9 and restart (%s store)', (kind) => {
  let t: TestStore | undefined;
  let kd: KingdeeEmulator | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await kd?.close();
    await t?.dispose();
    kd = t = undefined;
  });

  async function startWorker(location: string, owner: string): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'worker-kingdee-process.ts'), location, kd!.serverUrl, kd!.acctId, owner], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    await expect.poll(() => /listening (\S+)/.exec(err)?.[1], { timeout: 15_000 }).toBeTruthy();
    return { child, url: /listening (\S+)/.exec(err)![1]! };
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  it('delivers every record once as a record, across two kills', async () => {
    t = await testStore(kind);
    kd = await startKingdeeEmulator();
    kd.admin.setFaults({ latencyMs: 15, pathContains: '.BatchSave.' });
    const location = t.location;
    await t.store.close(); // the children own the store now (SQLite leases live in the worker process)
    let w = await startWorker(location, 'pod-a');
    const send = async (url: string, i: number) => {
      const body = JSON.stringify({ id: `A${String(i).padStart(4, '0')}`, version: '1', data: { Id: `K-${String(i).padStart(4, '0')}`, Name: `客户 ${i}` } });
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${url}/hooks/accounts`, { method: 'POST', body, headers: { 'x-syncspec-signature': signGeneric('whsec', ts, body), 'x-syncspec-timestamp': String(ts) } });
      return res.status;
    };
    for (let i = 0; i < N; i++) expect(await send(w.url, i)).toBe(200); // acknowledged = durable
    for (const atLeast of [20, 60]) {
      await expect.poll(() => kd!.admin.records('BD_Customer').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(atLeast);
      await kill(w.child);
      w = await startWorker(location, 'pod-a');
    }
    await expect.poll(() => kd!.admin.records('BD_Customer').length, { timeout: 20_000 }).toBe(N);
    const effects = kd.admin.effects('BD_Customer');
    expect(effects).toHaveLength(N);
    for (const e of effects) {
      expect(e.creates).toBe(1);
      expect(e.updates).toBeLessThanOrEqual(2);
    }
    const check = await t.reopen();
    await expect.poll(() => check.depth(), { timeout: 10_000 }).toEqual({});
    expect(await check.listDeadLetters({})).toEqual([]);
    await kill(w.child);
  });
});
