import { describe, expect, it } from 'vitest';
import type { SyncSpecBody } from '../model.ts';
import { canonicalJson, stableJson, sha256Hex } from './canonical.ts';
import { durationMs, rate } from './duration.ts';
import { applyDeliveryDefaults, normaliseTriggers, slaToNumbers, sortFieldPositions, type PlanDraft } from './passes.ts';

const spec: SyncSpecBody = {
  version: '1.0.0',
  owner: 'o2c@example.com',
  source: { connection: 'sf', entity: 'Account', key: 'Id' },
  target: { connection: 'kd', entity: 'BD_Customer', key: 'FNumber' },
  triggers: [{ webhook: { events: ['updated', 'created', 'updated'] } }, { schedule: { cron: '0 2 * * *' } }],
  fields: { FName: 'source.Name' },
};

const draft = (s: SyncSpecBody): PlanDraft => ({
  spec: s,
  plan: {
    apiVersion: 'syncspec.dev/v1',
    name: 'n',
    version: s.version,
    owner: s.owner,
    file: 'specs/n.yaml',
    source: { connection: 'sf', system: 'salesforce', entity: 'Account', key: 'Id' },
    target: { connection: 'kd', system: 'kingdee-k3cloud', entity: 'BD_Customer', key: 'FNumber' },
    triggers: s.triggers,
    delivery: { mode: 'upsert', batchSize: 0, maxWaitMs: 0, retry: { attempts: 0, initialMs: 0, maxMs: 0 }, deadLetter: false },
    lookups: ['units', 'regions', 'units'],
    refs: [],
    fields: [
      { field: 'FName', at: 'specs/n.yaml:9:12' },
      { field: 'FEntry[].FQty', at: 'specs/n.yaml:12:14' },
    ],
  },
});

describe('durations', () => {
  it('parses units and compounds to milliseconds', () => {
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('2s')).toBe(2000);
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(durationMs('5 minutes')).toBeUndefined();
    expect(durationMs('')).toBeUndefined();
  });
  it('reads percentages as fractions', () => {
    expect(rate('0.5%')).toBe(0.005);
    expect(rate('0.01')).toBe(0.01);
    expect(rate('x')).toBeUndefined();
  });
});

describe('plan passes', () => {
  it('fills delivery defaults and converts durations', () => {
    expect(applyDeliveryDefaults(draft(spec)).plan.delivery).toEqual({
      mode: 'upsert',
      batchSize: 100,
      maxWaitMs: 2000,
      retry: { attempts: 10, initialMs: 1000, maxMs: 300_000 },
      deadLetter: true,
    });
    const given = applyDeliveryDefaults(
      draft({ ...spec, delivery: { mode: 'create-only', batch: { size: 20, maxWait: '500ms' }, retry: { attempts: 3, max: '1m' }, deadLetter: false } }),
    ).plan.delivery;
    expect(given).toEqual({ mode: 'create-only', batchSize: 20, maxWaitMs: 500, retry: { attempts: 3, initialMs: 1000, maxMs: 60_000 }, deadLetter: false });
  });
  it('turns the SLA into milliseconds and a fraction, and drops an absent one', () => {
    expect(slaToNumbers(draft({ ...spec, sla: { latency: { p95: '60s' }, freshness: '10m', errorRate: '0.5%' } })).plan.sla).toEqual({
      latencyP95Ms: 60_000,
      freshnessMs: 600_000,
      errorRate: 0.005,
    });
    expect('sla' in slaToNumbers(draft(spec)).plan).toBe(false);
  });
  it('sorts and dedupes webhook events and defaults the schedule mode', () => {
    expect(normaliseTriggers(draft(spec)).plan.triggers).toEqual([
      { webhook: { events: ['created', 'updated'] } },
      { schedule: { cron: '0 2 * * *', mode: 'sync' } },
    ]);
  });
  it('sorts field positions, lookups and refs', () => {
    const p = sortFieldPositions(draft(spec)).plan;
    expect(p.fields.map((f) => f.field)).toEqual(['FEntry[].FQty', 'FName']);
    expect(p.lookups).toEqual(['regions', 'units']);
  });
  it('passes do not modify their input', () => {
    const d = draft(spec);
    const before = JSON.stringify(d);
    for (const pass of [applyDeliveryDefaults, slaToNumbers, normaliseTriggers, sortFieldPositions]) pass(d);
    expect(JSON.stringify(d)).toBe(before);
  });
});

describe('canonical JSON', () => {
  it('is independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"x":2,"y":1}]},"b":1}');
    expect(sha256Hex(canonicalJson({ a: 1, b: 2 }))).toBe(sha256Hex(canonicalJson({ b: 2, a: 1 })));
    expect(stableJson({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}\n');
  });
});
