import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINGDEE_CATALOG, unwrapReferences, wrapReferences } from './references.ts';

describe('Kingdee base-data references', () => {
  it('wraps plain reference values by the catalog, in entry rows and sub-records, and leaves the rest', () => {
    const order = { FBillNo: 'SO-1', FCustId: 'C-1', FSaleOrgId: { FNumber: '101' }, FSaleDeptId: null, FNote: '备注', FSaleOrderFinance: { FSettleCurrId: 'PRE001' }, FSaleOrderEntry: [{ FMaterialId: 'P-1', FQty: 2, FUnitID: 'Pcs' }] };
    expect(wrapReferences(order, 'SAL_SaleOrder')).toEqual({
      FBillNo: 'SO-1',
      FCustId: { FNumber: 'C-1' },
      FSaleOrgId: { FNumber: '101' },
      FSaleDeptId: null,
      FNote: '备注',
      FSaleOrderFinance: { FSettleCurrId: { FNumber: 'PRE001' } },
      FSaleOrderEntry: [{ FMaterialId: { FNumber: 'P-1' }, FQty: 2, FUnitID: { FNumber: 'Pcs' } }],
    });
    // The input is not changed in place (a retried batch shapes the same record again).
    expect(order.FCustId).toBe('C-1');
    expect(wrapReferences({ FCustId: 'C-1' }, 'NO_SUCH_FORM')).toEqual({ FCustId: 'C-1' });
  });

  it('reads dotted reference columns back in the mapping form, entries too', () => {
    const row = { FID: 1, 'FCustId.FNumber': 'C-1', 'FModifierId.FName': 'x', FSaleOrderEntry: [{ 'FMaterialId.FNumber': 'P-1', FQty: 1 }] };
    expect(unwrapReferences(row, 'SAL_SaleOrder')).toEqual({ FID: 1, 'FCustId.FNumber': 'C-1', FCustId: 'C-1', 'FModifierId.FName': 'x', FSaleOrderEntry: [{ 'FMaterialId.FNumber': 'P-1', FMaterialId: 'P-1', FQty: 1 }] });
  });

  it('round-trips: every reference field of every form reads back as the number written', () => {
    const forms = Object.entries(KINGDEE_CATALOG.entities).filter(([, e]) => Object.values(e.fields).some((f) => f.type === 'reference' && f.by !== undefined));
    const arb = fc.constantFrom(...forms).chain(([name, e]) => {
      const refs = Object.entries(e.fields).filter(([, f]) => f.type === 'reference' && f.by !== undefined);
      return fc.record({ name: fc.constant(name), values: fc.array(fc.tuple(fc.constantFrom(...refs.map(([k, f]) => [k, f.by as string] as const)), fc.string({ minLength: 1 })), { minLength: 1 }) });
    });
    fc.assert(
      fc.property(arb, ({ name, values }) => {
        const record = Object.fromEntries(values.map(([[k], v]) => [k, v]));
        const wrapped = wrapReferences(record, name);
        // What ExecuteBillQuery returns for `Field.By` columns of the saved record.
        const read: Record<string, unknown> = {};
        for (const [[k, by]] of values) read[`${k}.${by}`] = (wrapped[k] as Record<string, unknown>)[by];
        const back = unwrapReferences(read, name);
        for (const [k, v] of Object.entries(record)) expect(back[k]).toBe(v);
      }),
    );
  });
});
