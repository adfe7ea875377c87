/**
 * `syncspec demo` as a user runs it: a child process (`node bin/syncspec.js demo`), checked from outside —
 * the summary it prints, the Kingdee emulator's write effects over its admin endpoint while the demo
 * keeps running, and the dead-letter queue in the SQLite store it leaves in --dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../runtime/inbox/open.ts';
import { demoData, tally } from '../runtime/demo/seed.ts';

const ROOT = join(import.meta.dirname, '..');
const RECORDS = 200;

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Run {
  let out = '';
  const child = spawn(process.execPath, [join(ROOT, 'bin/syncspec.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`, CI: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('syncspec demo', () => {
  const data = demoData(RECORDS);
  const accounts = tally(data.accounts);
  const orders = tally(data.orders);

  it('the seeded data has good, filtered and deliberately bad records of both kinds', () => {
    expect(accounts.deadLettered).toBeGreaterThanOrEqual(2);
    expect(accounts.filtered).toBeGreaterThanOrEqual(1);
    expect(orders.deadLettered).toBeGreaterThanOrEqual(1);
    expect(orders.filtered).toBeGreaterThanOrEqual(1);
    const classes = data.accounts.flatMap((a) => (a.expected.outcome === 'dead-lettered' ? [a.expected.class] : []));
    expect(new Set(classes)).toEqual(new Set(['rejected', 'bad-mapping']));
    // Same seed, same content.
    expect(demoData(RECORDS)).toEqual(data);
  });

  it(`--records ${RECORDS}: every good record in Kingdee exactly once, the bad ones in the DLQ with reasons`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w5-demo-'));
    dirs.push(dir);
    const run = start(['demo', '--records', String(RECORDS), '--keep-running', '--dir', dir]);
    children.push(run.child);
    await expect.poll(run.out, { timeout: 60_000, interval: 100 }).toContain('Running until Ctrl-C');
    const out = run.out();

    // Quiet, line-per-phase output when not on a terminal (CI=true): no carriage returns, no colour.
    expect(out).not.toMatch(/\r|\x1b\[/);
    for (const phase of ['emulators', 'compile', 'customers', 'orders', 'redelivery']) expect(out).toMatch(new RegExp(`^✓ ${phase} `, 'm'));

    const row = (spec: string) => new RegExp(`^\\s+${spec}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\S+ m?s)\\s+(\\S+ m?s)`, 'm').exec(out);
    const acc = row('crm-account-to-erp-customer');
    const ord = row('crm-order-to-erp-sales-order');
    expect(acc?.slice(1, 5).map(Number)).toEqual([RECORDS, accounts.synced, accounts.filtered, accounts.deadLettered]);
    expect(ord?.slice(1, 5).map(Number)).toEqual([RECORDS, orders.synced, orders.filtered, orders.deadLettered]);
    expect(out).toMatch(new RegExp(`BD_Customer\\s+${accounts.synced} keys, each written exactly once`));
    expect(out).toMatch(new RegExp(`SAL_SaleOrder\\s+${orders.synced} keys, each written exactly once`));
    expect(out).toContain('→ no new writes');
    expect(out).toMatch(/special chars\s+(\d+)\/\1 names/);
    expect(out).toContain(`Dead-letter queue: ${accounts.deadLettered + orders.deadLettered} entries`);
    expect(out).toContain('OK: every good record reached Kingdee exactly once');

    // From outside: the Kingdee emulator's own count of write effects per key.
    const kingdee = /^\s+kingdee\s+(\S+)$/m.exec(out)?.[1]?.replace(/k3cloud\/?$/, '');
    expect(kingdee).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const effects = (await (await fetch(`${kingdee}__admin/effects`)).json()) as { entity: string; key: string; creates: number; updates: number }[];
    const customers = effects.filter((e) => e.entity === 'BD_Customer');
    const saleOrders = effects.filter((e) => e.entity === 'SAL_SaleOrder');
    expect(customers.map((e) => e.key).sort()).toEqual(data.accounts.flatMap((a) => (a.expected.outcome === 'synced' ? [a.number] : [])).sort());
    expect(saleOrders).toHaveLength(orders.synced);
    for (const e of saleOrders) expect([e.creates, e.updates]).toEqual([1, 0]);
    // Every customer created once; the one renamed by hand in Kingdee was written once more by the reconcile repair.
    expect(customers.map((e) => e.creates).every((c) => c === 1)).toBe(true);
    expect(customers.filter((e) => e.updates > 0).map((e) => e.updates)).toEqual([1]);
    expect(out).toMatch(/before\s+\d+\s+1\s+\d+\s+1\s/);
    expect(out).toMatch(/after --repair \(\d+ re-sent\)\s+\d+\s+0\s/);
    const metrics = /^\s+metrics\s+(\S+)$/m.exec(out)?.[1] ?? '';
    // Delivered: every synced account, plus the hand-renamed one the reconcile repair wrote back.
    expect(await (await fetch(metrics)).text()).toContain(`syncspec_records_delivered_total{spec="crm-account-to-erp-customer"} ${accounts.synced + 1}`);

    // The dead-letter queue, read from the store the demo left in --dir.
    const store = await openStore(join(dir, 'state.db'), dir);
    try {
      const dlq = await store.listDeadLetters({});
      // One entry per record: the reconcile repair re-sends the rejected customers, and Kingdee rejects them again.
      const bySpec = (spec: string) => [...new Map(dlq.filter((d) => d.spec === spec).map((d) => [d.sourceId, d])).values()];
      expect(bySpec('crm-account-to-erp-customer').map((d) => d.class).sort()).toEqual(
        data.accounts.flatMap((a) => (a.expected.outcome === 'dead-lettered' ? [a.expected.class] : [])).sort(),
      );
      expect(bySpec('crm-order-to-erp-sales-order').map((d) => d.class)).toEqual(data.orders.flatMap((o) => (o.expected.outcome === 'dead-lettered' ? [o.expected.class] : [])));
      const reasons = dlq.map((d) => d.reason).join('\n');
      expect(reasons).toContain('PRE003');
      expect(reasons).toContain(data.missingProduct);
      expect(reasons).toMatch(/FADDRESS: .*255.*specs\/flows\/customers\/crm-account-to-erp-customer\.yaml:\d+:\d+/);
      for (const d of dlq) expect(d.input).toBeTypeOf('object');
    } finally {
      await store.close();
    }

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('stopping');
  }, 90_000);

  it('refuses bad arguments with exit 2', async () => {
    const run = start(['demo', '--records', 'many']);
    children.push(run.child);
    expect(await run.exited).toBe(2);
    expect(run.out()).toContain('--records must be a whole number');
  });
});
