import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matches, parseSoql, SoqlError, sortRows } from './soql.ts';

describe('SOQL subset', () => {
  it('parses the incremental query with a tie-safe compound condition', () => {
    const q = parseSoql(
      "SELECT Id, Name FROM Account WHERE SystemModstamp > 2026-03-01T02:00:00.000Z OR (SystemModstamp = 2026-03-01T02:00:00.000Z AND Id > '001A') ORDER BY SystemModstamp ASC, Id LIMIT 10",
    );
    expect(q.fields).toEqual(['Id', 'Name']);
    expect(q.object).toBe('Account');
    expect(q.orderBy).toEqual([
      { field: 'SystemModstamp', desc: false, nullsLast: false },
      { field: 'Id', desc: false, nullsLast: false },
    ]);
    expect(q.limit).toBe(10);
    const row = (id: string, at: string) => ({ Id: id, SystemModstamp: at });
    expect(matches(q.where, row('001B', '2026-03-01T02:00:00.000+0000'))).toBe(true);
    expect(matches(q.where, row('001A', '2026-03-01T02:00:00.000+0000'))).toBe(false);
    expect(matches(q.where, row('0019', '2026-03-01T02:00:00.001+0000'))).toBe(true);
  });

  it('parses one-level relationship paths and parent-to-child sub-queries', () => {
    const q = parseSoql('SELECT Id, Account.AccountNumber, (SELECT Id, Quantity, Product2.ProductCode FROM OrderItems ORDER BY Id) FROM Order');
    expect(q.fields).toEqual(['Id', 'Account.AccountNumber']);
    expect(q.subqueries).toEqual([
      { relationship: 'OrderItems', query: { fields: ['Id', 'Quantity', 'Product2.ProductCode'], subqueries: [], object: 'OrderItems', orderBy: [{ field: 'Id', desc: false, nullsLast: false }] } },
    ]);
  });

  it('reads string escapes, dates, booleans and null', () => {
    const q = parseSoql("select Id from Order where Name = 'O\\'Neil \\\\ 中文' and EffectiveDate >= 2026-01-01 and IsActive = true and PoNumber != null");
    expect(matches(q.where, { Name: "O'Neil \\ 中文", EffectiveDate: '2026-02-01', IsActive: true, PoNumber: 'x' })).toBe(true);
    expect(matches(q.where, { Name: "O'Neil \\ 中文", EffectiveDate: '2026-02-01', IsActive: true, PoNumber: null })).toBe(false);
  });

  it('refuses what it does not support with MALFORMED_QUERY', () => {
    for (const bad of [
      'SELECT COUNT() FROM Account',
      'SELECT Id FROM Account WHERE Name LIKE \'A%\'',
      'SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account',
      'SELECT Owner.Manager.Name FROM Account',
      "SELECT Id FROM Account WHERE Owner.Name = 'x'",
      'SELECT Id FROM Account GROUP BY Name',
      'SELECT Id FROM Account LIMIT -1',
      "SELECT Id FROM Account WHERE Name = 'x",
      'SELECT FROM Account',
      'DELETE FROM Account',
    ]) {
      expect(() => parseSoql(bad), bad).toThrow(SoqlError);
    }
  });

  it('never throws anything but SoqlError (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseSoql(`SELECT Id FROM Account WHERE ${s}`);
        } catch (e) {
          expect(e).toBeInstanceOf(SoqlError);
        }
      }),
    );
  });

  it('round-trips any quoted string literal (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const quoted = `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
        const q = parseSoql(`SELECT Id FROM Account WHERE Name = ${quoted}`);
        expect(matches(q.where, { Name: s })).toBe(true);
      }),
    );
  });
});

describe('sortRows', () => {
  it('orders datetimes by instant across offsets, ties by the next term, nulls first ascending and last descending, stably', () => {
    const rows = [
      { Id: 'c', T: '2026-01-01T08:00:00.000+0800', N: null, seq: 0 },
      { Id: 'a', T: '2026-01-01T00:00:00.000+0000', N: 2, seq: 1 },
      { Id: 'b', T: '2025-12-31T23:30:00.000+0000', N: 1, seq: 2 },
      { Id: 'a', T: null, N: 1, seq: 3 },
    ];
    const isDt = (f: string): boolean => f === 'T';
    const byT = [...rows];
    sortRows(byT, parseSoql('SELECT Id FROM Account ORDER BY T ASC, Id ASC').orderBy, isDt);
    // 08:00+0800 and 00:00+0000 are one instant: Id decides (a before c).
    expect(byT.map((r) => r.seq)).toEqual([3, 2, 1, 0]);
    const byN = [...rows];
    sortRows(byN, parseSoql('SELECT Id FROM Account ORDER BY N DESC').orderBy, isDt);
    expect(byN.map((r) => r.seq)).toEqual([1, 2, 3, 0]);
  });

  it('gives the order a plain comparator gives, for any rows (property)', () => {
    const row = fc.record({ Id: fc.string({ maxLength: 3 }), K: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), fc.boolean(), (input, desc) => {
        const got = input.map((r, i) => ({ ...r, i }));
        sortRows(got, parseSoql(`SELECT Id FROM Account ORDER BY K ${desc ? 'DESC' : 'ASC'}, Id ASC`).orderBy, () => false);
        // SOQL: ASC puts nulls first, DESC puts them last; ties keep their input order.
        const rank = (k: number | null): number => (k === null ? (desc ? Infinity : -Infinity) : desc ? -k : k);
        const want = input.map((r, i) => ({ ...r, i })).sort((x, y) => rank(x.K) - rank(y.K) || (x.Id < y.Id ? -1 : x.Id > y.Id ? 1 : 0) || x.i - y.i);
        expect(got.map((r) => r.i)).toEqual(want.map((r) => r.i));
      }),
    );
  });
});
