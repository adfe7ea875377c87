import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalFilter, FilterError, parseFilter, parseOrder } from './filter.ts';

const row = (r: Record<string, unknown>) => (f: string) => r[f];
const id = () => (v: unknown) => v;

describe('Kingdee FilterString subset', () => {
  it('evaluates the keyset filter the connector sends', () => {
    const f = parseFilter("(FModifyDate > '2026-03-01T10:00:00.000' OR (FModifyDate = '2026-03-01T10:00:00.000' AND FID > 100003))");
    expect(evalFilter(f, row({ FModifyDate: '2026-03-01T10:00:00.000', FID: 100004 }), id)).toBe(true);
    expect(evalFilter(f, row({ FModifyDate: '2026-03-01T10:00:00.000', FID: 100003 }), id)).toBe(false);
    expect(evalFilter(f, row({ FModifyDate: '2026-03-01T10:00:00.001', FID: 1 }), id)).toBe(true);
  });

  it('reads IN lists with doubled quotes, LIKE, NOT IN and dotted fields', () => {
    const f = parseFilter("FNumber IN ('C''1', 'C2') and FName like '上海%' and FCustId.FNumber not in ('X')");
    expect(evalFilter(f, row({ FNumber: "C'1", FName: '上海公司', 'FCustId.FNumber': 'Y' }), id)).toBe(true);
    expect(evalFilter(f, row({ FNumber: 'C3', FName: '上海公司', 'FCustId.FNumber': 'Y' }), id)).toBe(false);
    expect(parseFilter('   ')).toBeUndefined();
  });

  it('refuses what it cannot read with FilterError', () => {
    for (const bad of ["FNumber = 'x", 'FNumber ==', 'FNumber IN ()', '(FID > 1', 'FID > 1 FID', "FID ; DROP TABLE"]) {
      expect(() => parseFilter(bad), bad).toThrow(FilterError);
    }
    expect(() => parseOrder('FID ASC, 1')).toThrow(FilterError);
    expect(parseOrder('FModifyDate ASC, FID desc')).toEqual([{ field: 'FModifyDate', desc: false }, { field: 'FID', desc: true }]);
  });

  it('throws only FilterError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseFilter(s);
        } catch (e) {
          expect(e).toBeInstanceOf(FilterError);
        }
      }),
    );
  });

  it('round-trips any quoted value (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const f = parseFilter(`FNumber = '${s.replace(/'/g, "''")}'`);
        expect(evalFilter(f, row({ FNumber: s }), id)).toBe(true);
      }),
    );
  });
});
