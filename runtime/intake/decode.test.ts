import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords } from './decode.ts';

describe('decodeRecords', () => {
  it('accepts one record, a list, or {records}', () => {
    expect(decodeRecords('{"id":"1","version":2,"data":{"Name":"甲"}}')).toEqual({ ok: true, records: [{ id: '1', version: '2', data: { Name: '甲' } }] });
    const r = decodeRecords('{"records":[{"id":"1","version":"a","cursor":"2026-01-01T00:00:00Z","deleted":true,"data":{}}]}');
    expect(r).toEqual({ ok: true, records: [{ id: '1', version: 'a', cursor: '2026-01-01T00:00:00Z', deleted: true, data: {} }] });
  });

  it('says what is wrong and where', () => {
    expect(decodeRecords('nope')).toMatchObject({ ok: false, problem: expect.stringContaining('not JSON') });
    expect(decodeRecords('{"id":"1","data":{}}')).toEqual({ ok: false, problem: 'version is missing or not a string/number' });
    expect(decodeRecords('{"records":[{"id":"1","version":"1","data":{}},{"id":"","version":"1","data":{}}]}')).toEqual({
      ok: false,
      problem: 'records[1].id is missing or not a string/number',
    });
    expect(decodeRecords('[]')).toEqual({ ok: false, problem: 'no records in body' });
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = decodeRecords(text);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});
