import { describe, expect, it } from 'vitest';
import type { EntityDef } from '../../compiler/catalog/types.ts';
import { normaliserFor } from './normalise.ts';

const order: EntityDef = {
  keys: ['FBillNo'],
  fields: {
    FBillNo: { type: 'string', maxLength: 30 },
    FName: { type: 'string', nullable: true },
    FCustId: { type: 'reference', entity: 'BD_Customer', by: 'FNumber' },
    FAmount: { type: 'decimal', precision: 18, scale: 2 },
    FDate: { type: 'date' },
    FModifyDate: { type: 'datetime', zone: 'Asia/Shanghai' },
    FClosed: { type: 'boolean' },
    FEntry: { type: 'list', entity: 'Entry' },
  },
};
const entry: EntityDef = { keys: [], child: true, fields: { FQty: { type: 'decimal' }, FNote: { type: 'string' } } };
const normalise = normaliserFor({
  entity: order,
  resolve: (n) => (n === 'Entry' ? entry : undefined),
  mapped: { FBillNo: true, FName: true, FCustId: true, FAmount: true, FDate: true, FModifyDate: true, FClosed: true, FEntry: { FQty: true } },
  zone: 'Asia/Shanghai',
});

describe('reconcile normalisation', () => {
  it('treats equal values written differently as equal', () => {
    const crm = normalise({
      FBillNo: 'SO-1', FName: '上海  科技\u3000有限公司 ', FCustId: 'C001', FAmount: '113.00', FDate: '2026-03-01',
      FModifyDate: '2026-03-01T02:00:00Z', FClosed: false, FEntry: [{ FQty: 5, FNote: 'not mapped' }],
    });
    const erp = normalise({
      FBillNo: 'SO-1', FName: '上海 科技 有限公司', FCustId: { FNumber: 'C001' }, FAmount: 113, FDate: '2026-03-01T00:00:00',
      FModifyDate: '2026-03-01 10:00:00', FClosed: '0', FEntry: [{ FQty: '5.000' }], Unmapped: 'x',
    });
    expect(JSON.stringify(erp)).toBe(JSON.stringify(crm));
  });

  it('compares Chinese text by canonical Unicode form (NFC vs NFD is not a difference)', () => {
    const nfc = 'Café 北京';
    expect(normalise({ FName: nfc.normalize('NFD') })['FName']).toBe(normalise({ FName: nfc })['FName']);
    expect(normalise({ FName: '北京' })['FName']).not.toBe(normalise({ FName: '南京' })['FName']);
  });

  it('keeps real differences: a cent, a day across the zone boundary, empty vs value', () => {
    expect(normalise({ FAmount: '113.01' })['FAmount']).not.toBe(normalise({ FAmount: '113.00' })['FAmount']);
    // 2026-03-01T16:30Z is already 2026-03-02 00:30 in Shanghai.
    expect(normalise({ FModifyDate: '2026-03-01T16:30:00Z' })['FModifyDate']).toBe(normalise({ FModifyDate: '2026-03-02 00:30:00' })['FModifyDate']);
    expect(normalise({ FModifyDate: '2026-03-01T16:30:00Z' })['FModifyDate']).not.toBe(normalise({ FModifyDate: '2026-03-01 16:30:00' })['FModifyDate']);
    expect(normalise({ FName: '' })['FName']).toBeNull();
    expect(normalise({ FName: 'x' })['FName']).toBe('x');
  });

  it('keeps unparseable values visible instead of throwing', () => {
    expect(normalise({ FAmount: 'twelve' })['FAmount']).toEqual({ unparsed: 'twelve' });
    expect(normalise({ FDate: '2026-13-45' })['FDate']).toEqual({ unparsed: '2026-13-45' });
  });

  it('emits keys in sorted order so JSON text compares', () => {
    expect(Object.keys(normalise({ FName: 'a', FBillNo: 'b' }))).toEqual(['FAmount', 'FBillNo', 'FClosed', 'FCustId', 'FDate', 'FEntry', 'FModifyDate', 'FName']);
  });
});
