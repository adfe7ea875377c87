import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../support/connector.ts';
import type { CompiledTransform, TransformContext } from '../support/transform.ts';
import { reconcile, type ReconcileInput } from './engine.ts';
import { htmlReport, jsonReport } from './report.ts';

// A transform that copies the source fields: the engine's own behaviour is under test here.
const copy: CompiledTransform = {
  filter: (s) => s['skip'] !== true,
  transform: (s) =>
    typeof s['code'] === 'string' && s['code'].startsWith('BAD')
      ? { ok: false, errors: [{ path: 'name', message: 'cannot map', at: 'specs/x.yaml:3:9', code: 'SS5101' }] }
      : { ok: true, value: { code: s['code'], name: s['name'], amount: s['amount'] } },
};
const ctx: TransformContext = { lookup: () => undefined, ref: () => undefined };
const normalise = (r: Record<string, unknown>) => ({ name: r['name'] ?? null, amount: r['amount'] ?? null });

async function* pages(records: SourceRecord[], size = 3): AsyncIterable<SourceRecord[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
}
const rec = (id: string, data: Record<string, unknown>): SourceRecord => ({ id, version: '1', data });

function input(source: SourceRecord[], target: SourceRecord[], extra: Partial<ReconcileInput> = {}): ReconcileInput {
  return { spec: 'customers', source: pages(source), target: pages(target), transform: copy, ctx, targetKey: 'code', normalise, ...extra };
}

describe('reconcile engine', () => {
  const source = [
    rec('s1', { code: 'C1', name: '上海客户', amount: '1.10' }),
    rec('s2', { code: 'C2', name: 'Beta', amount: '2' }),
    rec('s3', { code: 'C3', name: 'Gamma', amount: '3' }),
    rec('s4', { code: 'C4', name: 'Delta', amount: '4', skip: true }),
    rec('s5', { code: 'BAD-5', name: 'x', amount: '5' }),
  ];
  const target = [
    rec('t1', { code: 'C1', name: '上海客户', amount: '1.10', Extra: 'ignored by the normaliser' }),
    rec('t2', { code: 'C2', name: 'Beta Ltd', amount: '2' }),
    rec('t9', { code: 'C9', name: 'Nine', amount: '9' }),
  ];

  it('finds missing, extra, different and unmappable records and counts the rest', async () => {
    const r = await reconcile(input(source, target));
    expect(r.summary.counts).toEqual({ source: 5, target: 3, filtered: 1, equal: 1, missing: 1, extra: 1, different: 1, unmappable: 1 });
    expect(r.differences).toEqual([
      { kind: 'missing', key: 'C3', sourceId: 's3' },
      { kind: 'extra', key: 'C9', targetId: 't9' },
      { kind: 'different', key: 'C2', sourceId: 's2', targetId: 't2', fields: [{ field: 'name', source: 'Beta', target: 'Beta Ltd' }] },
      { kind: 'unmappable', sourceId: 's5', errors: [{ path: 'name', message: 'cannot map', at: 'specs/x.yaml:3:9' }] },
    ]);
    expect(r.summary.fieldMismatches).toEqual({ name: 1 });
  });

  it('gives the same answer when every partition spills to disk', async () => {
    const inMemory = await reconcile(input(source, target));
    const spilled = await reconcile(input(source, target, { budgetBytes: 1 }));
    expect(spilled.run.spilledPartitions).toBeGreaterThan(0);
    expect(jsonReport(spilled)).toBe(jsonReport(inMemory));
  });

  it('reports no difference on equal data, whatever order each side arrives in (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }),
        fc.boolean(),
        async (keys, spill) => {
          const src = keys.map((k, i) => rec(`s${i}`, { code: k, name: `n${k}`, amount: String(i) }));
          const tgt = [...src].reverse().map((r) => rec(`t-${r.id}`, r.data));
          const r = await reconcile(input(src, tgt, spill ? { budgetBytes: 200 } : {}));
          expect(r.differences).toEqual([]);
          expect(r.summary.counts.equal).toBe(keys.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps exact counts beyond the listing cap', async () => {
    const src = Array.from({ length: 50 }, (_, i) => rec(`s${i}`, { code: `K${i}`, name: 'n', amount: '1' }));
    const r = await reconcile(input(src, [], { maxListed: 10 }));
    expect(r.summary.counts.missing).toBe(50);
    expect(r.differences).toHaveLength(10);
    expect(r.summary.truncated).toBe(true);
  });

  it('writes an HTML report that escapes every value', async () => {
    const hostile = [rec('s1', { code: '<K1>', name: '<script>alert(1)</script>', amount: '1' })];
    const r = await reconcile(input(hostile, [rec('t1', { code: '<K1>', name: 'x"y', amount: '1' })]));
    const html = htmlReport(r);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('x&quot;y');
    expect(html).toContain('1 different');
  });
});
