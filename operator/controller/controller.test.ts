import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { manualClock } from './clock.ts';
import { Controller } from './controller.ts';
import { OperatorMetrics } from './metrics.ts';
import { done, OperatorError, retry, terminal, type ObjectKey, type Outcome } from './outcome.ts';

const log = pino({ level: 'silent' });

/** Lets queued microtasks and reconcile promises settle. */
const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };

function setup(decide: (key: ObjectKey, call: number) => Outcome | Promise<Outcome>) {
  const clock = manualClock();
  const metrics = new OperatorMetrics();
  const calls: string[] = [];
  let inFlight = new Set<string>();
  let overlap = false;
  const controller = new Controller({
    name: 'test', clock, log, metrics, workers: 3, random: () => 0,
    reconciler: {
      async reconcile(key) {
        const id = `${key.namespace}/${key.name}`;
        if (inFlight.has(id)) overlap = true;
        inFlight.add(id);
        calls.push(id);
        try {
          return await decide(key, calls.filter((c) => c === id).length);
        } finally {
          inFlight.delete(id);
        }
      },
    },
  });
  controller.start();
  return { clock, metrics, calls, controller, overlap: () => overlap, reset: () => { inFlight = new Set(); } };
}

const count = async (m: OperatorMetrics, result: string): Promise<number> =>
  (await m.reconciles.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

describe('Controller', () => {
  test('every outcome series exists at zero before any reconcile', async () => {
    const { metrics, controller } = setup(() => done());
    for (const r of ['success', 'requeue_after', 'error', 'terminal']) expect(await count(metrics, r)).toBe(0);
    await controller.stop();
  });

  test('retry backs off per key on the clock; success forgets the backoff', async () => {
    const t = setup((_k, call) => (call < 3 ? retry(new Error('API unavailable')) : done()));
    t.controller.enqueue('ns/a');
    await settle();
    expect(t.calls).toEqual(['ns/a']);
    t.clock.advance(4);
    await settle();
    expect(t.calls).toHaveLength(1);
    t.clock.advance(1);
    await settle();
    expect(t.calls).toHaveLength(2);
    t.clock.advance(10);
    await settle();
    expect(t.calls).toHaveLength(3);
    expect(t.controller.queue.failures('ns/a')).toBe(0);
    expect(await count(t.metrics, 'error')).toBe(2);
    expect(await count(t.metrics, 'success')).toBe(1);
    await t.controller.stop();
  });

  test('done with requeueAfter comes back after that time; terminal does not come back', async () => {
    const t = setup((k) => (k.name === 'resync' ? done(1000) : terminal(new OperatorError('SS6020', 'does not compile'))));
    t.controller.enqueue('ns/resync');
    t.controller.enqueue('ns/broken');
    await settle();
    t.clock.advance(999);
    await settle();
    expect(t.calls.sort()).toEqual(['ns/broken', 'ns/resync']);
    t.clock.advance(1);
    await settle();
    expect(t.calls.filter((c) => c === 'ns/resync')).toHaveLength(2);
    t.clock.advance(1_000_000);
    await settle();
    expect(t.calls.filter((c) => c === 'ns/broken')).toHaveLength(1);
    expect(await count(t.metrics, 'terminal')).toBe(1);
    await t.controller.stop();
  });

  test('a key is never reconciled by two workers at once, and events during a reconcile are not lost', async () => {
    let release: () => void = () => {};
    const t = setup((_k, call) => (call === 1 ? new Promise<Outcome>((r) => { release = () => r(done()); }) : done()));
    t.controller.enqueue('ns/a');
    await settle();
    t.controller.enqueue('ns/a');
    t.controller.enqueue('ns/a');
    await settle();
    expect(t.calls).toEqual(['ns/a']);
    release();
    await settle();
    expect(t.calls).toEqual(['ns/a', 'ns/a']);
    expect(t.overlap()).toBe(false);
    await t.controller.stop();
  });

  test('an exception from the reconciler is retried like a transient error', async () => {
    const t = setup((_k, call) => { if (call === 1) throw new Error('bug'); return done(); });
    t.controller.enqueue('ns/a');
    await settle();
    t.clock.advance(5);
    await settle();
    expect(t.calls).toHaveLength(2);
    await t.controller.stop();
  });
});
