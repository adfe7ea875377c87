import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { etagOf, keyPredicate, odataDateTime, odataDateTimeOffset, odataTime, parseODataDate, parseODataTime } from './odata.ts';

describe('OData v2 value formats', () => {
  it('round-trips /Date(ms)/ and /Date(ms+0000)/', () => {
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
      expect(parseODataDate(odataDateTime(ms))).toBe(ms);
      expect(parseODataDate(odataDateTimeOffset(ms))).toBe(ms);
    }));
    expect(parseODataDate('/Date(1672531200000)/')).toBe(1672531200000);
    expect(parseODataDate('2023-01-01')).toBeUndefined();
  });

  it('round-trips Edm.Time to whole seconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 86_399 }), (s) => {
      expect(parseODataTime(odataTime(s * 1000))).toBe(s * 1000);
    }));
    expect(parseODataTime('PT14H30M00S')).toBe(52_200_000);
    expect(parseODataTime('PT')).toBeUndefined();
    expect(parseODataTime('14:30')).toBeUndefined();
  });

  it('writes ETags and key predicates as SAP does', () => {
    expect(etagOf(Date.UTC(2024, 4, 1, 8))).toBe(`W/"datetimeoffset'2024-05-01T08%3A00%3A00.0000000Z'"`);
    expect(keyPredicate(['SalesOrder'], { SalesOrder: "40'1" })).toBe("('40''1')");
    expect(keyPredicate(['SalesOrder', 'SalesOrderItem'], { SalesOrder: '1', SalesOrderItem: '10' })).toBe("(SalesOrder='1',SalesOrderItem='10')");
  });
});
