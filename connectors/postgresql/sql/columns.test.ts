import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldDefOf, isoToWireLocal, readValue, wireTimestampToIso, writeValue, type ColumnMeta } from './columns.ts';
import { checkIdentifier, IdentifierError, quoteIdentifier, splitQualified } from './identifiers.ts';
import { fixedOffsetOf, offsetText } from './zone.ts';

const col = (kind: ColumnMeta['kind'], extra: Partial<ColumnMeta> = {}): ColumnMeta => ({ name: 'c', kind, sqlType: kind, nullable: false, hasDefault: false, generated: false, ...extra });

describe('wire timestamps', () => {
  it('converts driver text to canonical UTC ISO, keeping microseconds only when present', () => {
    expect(wireTimestampToIso('2026-03-01 10:00:00+00', 0)).toBe('2026-03-01T10:00:00.000Z');
    expect(wireTimestampToIso('2026-03-01 18:00:00.5+08', 0)).toBe('2026-03-01T10:00:00.500Z');
    expect(wireTimestampToIso('2026-03-01 10:00:00.000123+05:30', 0)).toBe('2026-03-01T04:30:00.000123Z');
    expect(wireTimestampToIso('2026-03-01 08:00:00.123000', 480)).toBe('2026-03-01T00:00:00.123Z');
    expect(wireTimestampToIso('not a time', 0)).toBeUndefined();
  });

  it('round-trips any instant through zone-less local text at any fixed offset (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: -12 * 60, max: 14 * 60 }), (d, micros, offset) => {
        const iso = `${d.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
        const local = isoToWireLocal(iso, offset);
        expect(local).toBeDefined();
        const back = wireTimestampToIso(local as string, offset);
        expect(back).toBe(micros === 0 ? d.toISOString() : iso);
      }),
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: -900, max: 900 }), (s, o) => {
      wireTimestampToIso(s, o);
      isoToWireLocal(s, o);
    }));
  });
});

describe('values', () => {
  it('keeps decimals and 64-bit integers as strings, both ways', () => {
    expect(readValue(col('decimal'), '12345678901234567890.12', 0)).toBe('12345678901234567890.12');
    expect(readValue(col('bigint'), '9007199254740993', 0)).toBe('9007199254740993');
    expect(writeValue(col('decimal'), 1.5, 0, false)).toBe('1.5');
    expect(writeValue(col('bigint'), 9007199254740993n, 0, false)).toBe('9007199254740993');
  });

  it('maps booleans for tinyint(1) and JSON documents', () => {
    expect(readValue(col('boolean'), 1, 0)).toBe(true);
    expect(readValue(col('boolean'), 0, 0)).toBe(false);
    expect(writeValue(col('boolean'), true, 0, true)).toBe(1);
    expect(writeValue(col('boolean'), true, 0, false)).toBe(true);
    expect(readValue(col('json'), '{"城市":"上海"}', 0)).toEqual({ 城市: '上海' });
    expect(writeValue(col('json'), { a: [1, '二'] }, 0, false)).toBe('{"a":[1,"二"]}');
    expect(writeValue(col('json'), 'plain', 0, false)).toBe('"plain"');
  });

  it('writes instants into zone-less columns as wall-clock time of the connection zone', () => {
    expect(writeValue(col('local-datetime'), '2026-03-01T10:00:00+08:00', 480, false)).toBe('2026-03-01 10:00:00.000000');
    expect(writeValue(col('local-datetime'), '2026-03-01T02:00:00.123456Z', 0, false)).toBe('2026-03-01 02:00:00.123456');
    expect(writeValue(col('local-datetime'), 'yesterday', 0, false)).toBe('yesterday');
  });
});

describe('catalog field types', () => {
  it('maps columns to catalog types with length, precision, zone and nullability', () => {
    expect(fieldDefOf(col('string', { maxLength: 40 }), 't', 'UTC', false)).toEqual({ type: 'string', maxLength: 40, label: 'c', requiredOnCreate: true });
    expect(fieldDefOf(col('decimal', { precision: 18, scale: 4, nullable: true }), 't', 'UTC', false)).toEqual({ type: 'decimal', precision: 18, scale: 4, label: 'c', nullable: true });
    expect(fieldDefOf(col('instant', { hasDefault: true }), 't', 'Asia/Shanghai', true)).toEqual({ type: 'datetime', zone: 'utc', label: 'c', readOnly: true });
    expect(fieldDefOf(col('local-datetime', { nullable: true, hasDefault: true }), 't', 'Asia/Shanghai', false)).toEqual({ type: 'datetime', zone: 'Asia/Shanghai', label: 'c', nullable: true });
    expect(fieldDefOf(col('json', { nullable: true }), 's.t', 'UTC', false)).toMatchObject({ type: 'record', entity: 's.t.c' });
    expect(fieldDefOf(col('enum', { enumValues: ['a', 'b'] }), 't', 'UTC', false)).toMatchObject({ type: 'enum', values: ['a', 'b'] });
  });
});

describe('identifiers', () => {
  it('accepts names in any script and quotes them per dialect', () => {
    expect(quoteIdentifier('客户', 'double')).toBe('"客户"');
    expect(quoteIdentifier('updated_at', 'backtick')).toBe('`updated_at`');
    expect(splitQualified('reporting.inventory_levels', 'public')).toEqual({ schema: 'reporting', table: 'inventory_levels' });
    expect(splitQualified('customers', 'public')).toEqual({ schema: 'public', table: 'customers' });
    expect(() => splitQualified('a.b.c', 'public')).toThrow(IdentifierError);
  });

  it('refuses anything that could leave the quotes (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      let ok = true;
      try {
        checkIdentifier(s);
      } catch (e) {
        expect(e).toBeInstanceOf(IdentifierError);
        ok = false;
      }
      if (ok) expect(s).not.toMatch(/["`'\s;\\.\-]/);
    }));
    for (const bad of ['a"b', 'a`b', "x'; DROP TABLE t; --", '1abc', '', 'a b', 'x'.repeat(64)]) expect(() => checkIdentifier(bad)).toThrow(IdentifierError);
  });
});

describe('zones', () => {
  it('accepts fixed-offset zones and refuses zones with daylight saving time', () => {
    expect(fixedOffsetOf('Asia/Shanghai')).toBe(480);
    expect(fixedOffsetOf('UTC')).toBe(0);
    expect(offsetText(480)).toBe('+08:00');
    expect(offsetText(-210)).toBe('-03:30');
    expect(() => fixedOffsetOf('Europe/Berlin')).toThrow(/daylight saving/);
    expect(() => fixedOffsetOf('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});
