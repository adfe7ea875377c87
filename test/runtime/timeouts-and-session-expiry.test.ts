/**
 * Fault scenarios of issue 5 part 7 beyond kill-restart, storms and connection loss: the ERP emulator
 * hangs (the connector's timeout fires) or drops an answer after doing the work, and the
 * Kingdee session expires mid-flow, repeatedly. Salesforce Outbound Messages → worker → Kingdee, with
 * the SQLite and the PostgreSQL store. Every record sent is delivered exactly once as a record, none is
 * dead-lettered, nothing stays in the inbox — each bounded in time.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/ops/log.ts';
import { Worker } from '../../runtime/worker.ts';
import { loadCompiledSpec, loadLookupTables } from './compiled.ts';
import { fastDelivery, useExamplePair } from './example-pair.ts';
import { STORE_KINDS } from './stores.ts';

const SPEC = 'crm-account-to-erp-customer';

describe.each(STORE_KINDS)('ERP hangs and session expiry (%s store)', (kind) => {
  const pair = useExamplePair(kind);

  async function start(kdTimeoutMs: number) {
    const { store, sf, kd, connectors } = await pair.start({ kdTimeoutMs });
    const compiled = await loadCompiledSpec(SPEC);
    const worker = pair.own(
      new Worker({
        specs: [{ plan: fastDelivery(compiled.plan, { maxMs: 400 }), transform: compiled.transform }],
        connectors,
        store,
        lookups: loadLookupTables(),
        log: silentLogger(),
        delivery: { idleMs: 20 },
        // A hang is the ERP's fault, not a reason to stop sending for long.
        breaker: { threshold: 5, coolDownMs: 200 },
      }),
    );
    await worker.start();
    return { sf, kd, store, hook: `${worker.url}/hooks/${SPEC}` };
  }

  const accounts = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `客户 ${i}`, AccountNumber: `t-${String(i).padStart(3, '0')}`, Region__c: '华东' }));

  it('times out hung calls, survives an answer lost after the work, and delivers every record once', async () => {
    const { sf, kd, store, hook } = await start(300);
    // The next four Kingdee calls (number look-ups or saves, in whatever order the batches go) hang or lose their answer.
    kd.admin.setFaults({ next: ['hang', 'hang', 'dropAfterWrite', 'hang'], pathContains: 'DynamicFormService' });
    sf.admin.seed('Account', accounts(40));
    const sent = await sf.admin.sendOutbound({ url: hook, type: 'Account', perMessage: 10 });
    expect(sent.every((r) => r.accepted)).toBe(true);
    await expect.poll(() => kd.admin.records('BD_Customer').length, { timeout: 20_000 }).toBe(40);
    await expect.poll(() => store.depth(), { timeout: 10_000 }).toEqual({});
    expect(kd.admin.stats().faults).toBe(4);
    const effects = kd.admin.effects('BD_Customer');
    expect(effects).toHaveLength(40);
    for (const e of effects) expect(e.creates).toBe(1);
    // At most the batch whose answer was lost is written again, as an update of what it created.
    expect(effects.filter((e) => e.updates > 0).length).toBeLessThanOrEqual(10);
    expect(await store.listDeadLetters({})).toEqual([]);
  });

  it('logs in again when the session expires mid-flow, repeatedly, and writes nothing twice', async () => {
    const { sf, kd, store, hook } = await start(5000);
    const ids = sf.admin.seed('Account', accounts(60)).map((r) => r.Id);
    const wave = async (from: number, to: number) => {
      expect((await sf.admin.sendOutbound({ url: hook, type: 'Account', ids: ids.slice(from, to), perMessage: 5 })).every((r) => r.accepted)).toBe(true);
      await expect.poll(() => kd.admin.records('BD_Customer').length, { timeout: 15_000 }).toBe(to);
    };
    await wave(0, 20);
    expect(kd.admin.stats().logins).toBe(1);
    // The ERP drops every session between two waves (a restart, a timeout of idle sessions)…
    kd.admin.expireSessions();
    await wave(20, 40);
    expect(kd.admin.stats().logins).toBe(2);
    // …and in the middle of one: the session is gone when a BatchSave arrives, after its look-up went through.
    kd.admin.setFaults({ next: ['sessionExpiry'], pathContains: '.BatchSave.' });
    await wave(40, 60);
    expect(kd.admin.stats().logins).toBe(3);
    await expect.poll(() => store.depth(), { timeout: 10_000 }).toEqual({});
    // A save refused for a lost session wrote nothing: every customer was created once and never updated.
    for (const e of kd.admin.effects('BD_Customer')) expect(e).toMatchObject({ creates: 1, updates: 0 });
    expect(await store.listDeadLetters({})).toEqual([]);
  });
});
