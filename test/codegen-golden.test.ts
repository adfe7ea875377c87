/**
 * Golden files for one small spec that uses every emit feature (filter, scalar fields, a constant field,
 * `{ expr, default }` with a decimal default, a child collection with nested fields, a lookup): the generated files are
 * compared byte for byte with test/__golden__/codegen/, type-check under the strict tsconfig, and run.
 * After an intended change to the generator: `npx vitest run test/codegen-golden.test.ts -u`, then review the diff.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../compiler/cli/repo.ts';
import { generateFiles } from '../compiler/emit/generate.ts';
import { createTypeChecker } from '../compiler/emit/verify.ts';
import type { TransformContext, TransformResult } from '../runtime/support/transform.ts';
import { connections, documents, orderSpec, repoOf } from './codegen-fixtures.ts';

const SPEC = orderSpec(
  `    BillNo: source.Number
    BillDate: source.Placed
    Total: { expr: source.Amount, default: 0 }
    Remark: "'同步 ' + string(decimal('1.50').round(1))"
    Entries:
      each: source.Lines
      fields:
        Material: item.Sku
        Qty: decimal(item.Qty).round(2)
        Price: { expr: item.Price, default: "0.00" }`,
  `  filter: source.Status == 'Activated' && lookup('units', 'box') == 'BOX'`,
);

const docs = documents({ 'specs/conn.yaml': connections, 'specs/orders.yaml': SPEC });
const out = generateFiles(docs, repoOf(docs));
const dir = join(PACKAGE_ROOT, '.cache', `codegen-golden-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx: TransformContext = {
  lookup: (table, key) => (table === 'units' ? ({ box: 'BOX', kg: 'KG' } as Record<string, string>)[String(key)] ?? 'PCS' : undefined),
  ref: () => undefined,
};

describe('golden output', () => {
  it('has no diagnostics', () => {
    expect(out.diagnostics).toEqual([]);
  });

  it.each(['orders/types.ts', 'orders/transform.ts', 'orders/plan.json', 'index.ts'])('%s matches its golden file', async (path) => {
    const file = out.files.find((f) => f.path === path);
    expect(file).toBeDefined();
    await expect(file?.text).toMatchFileSnapshot(`./__golden__/codegen/${path}`);
  });

  it('type-checks and computes the mapping, collecting every field error', async () => {
    expect(createTypeChecker(PACKAGE_ROOT)(out.files, { outDir: dir })).toEqual([]);
    for (const f of out.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const mod = (await import(pathToFileURL(join(dir, 'orders/transform.ts')).href)) as {
      filter(s: unknown, c: TransformContext): boolean;
      transform(s: unknown, c: TransformContext): TransformResult<Record<string, unknown>>;
    };
    const input = { Number: 'SO-1', Status: 'Activated', Amount: null, Placed: '2026-03-01', Note: null, Lines: [{ Sku: 'P-1', Qty: 2.555, Price: null }, { Sku: 'P-2', Qty: 1, Price: '9.5' }] };
    expect(mod.filter(input, ctx)).toBe(true);
    expect(mod.filter({ ...input, Status: 'Draft' }, ctx)).toBe(false);
    const ok = mod.transform(input, ctx);
    expect(ok).toEqual({
      ok: true,
      value: {
        BillDate: '2026-03-01',
        BillNo: 'SO-1',
        Entries: [
          { Material: 'P-1', Price: '0.00', Qty: '2.56' },
          { Material: 'P-2', Price: '9.5', Qty: '1.00' },
        ],
        Remark: '同步 1.5',
        Total: '0',
      },
    });
    const bad = mod.transform({ ...input, Placed: 'not a date', Lines: [{ Sku: 'P-1', Qty: 'x' }, { Qty: 1 }] }, ctx);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => [e.path, e.at])).toEqual([
      ['BillDate', 'specs/orders.yaml:12:15'],
      ['Entries[0].Qty', 'specs/orders.yaml:19:14'],
      ['Entries[1].Material', 'specs/orders.yaml:18:19'],
    ]);
  }, 30_000);
});
