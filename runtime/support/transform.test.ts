import { describe, expect, it } from 'vitest';
import { crosswalkRef, tableLookup } from './transform.ts';

describe('tableLookup', () => {
  const units = { entries: { 个: 'PCS', box: 'BOX', '7': 'SEVEN' }, default: 'EA' };
  it('reads an entry, falls back to the default, and knows no other tables', () => {
    const lookup = tableLookup({ units, bare: { entries: { a: 1 } } });
    expect(lookup('units', '个')).toBe('PCS');
    expect(lookup('units', 'crate')).toBe('EA');
    expect(lookup('bare', 'a')).toBe(1);
    expect(lookup('bare', 'b')).toBeUndefined();
    expect(lookup('nope', 'a')).toBeUndefined();
  });
  it('reads a number key as its text, and takes a Map of tables as well', () => {
    expect(tableLookup(new Map([['units', units]]))('units', 7)).toBe('SEVEN');
  });
  it('never finds inherited names', () => {
    const lookup = tableLookup({ units });
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(lookup('units', k)).toBe('EA');
    expect(tableLookup({})('constructor', 'x')).toBeUndefined();
  });
  it('copies the tables: a later change to the documents does not leak in', () => {
    const entries: Record<string, string> = { a: 'A' };
    const lookup = tableLookup({ t: { entries } });
    entries.a = 'changed';
    expect(lookup('t', 'a')).toBe('A');
  });
});

describe('crosswalkRef', () => {
  it('answers per spec and source id', () => {
    const ref = crosswalkRef({ accounts: { '001A': 'C-1' }, products: { '001A': 'P-9' } });
    expect(ref('accounts', '001A')).toBe('C-1');
    expect(ref('products', '001A')).toBe('P-9');
    expect(ref('accounts', '001B')).toBeUndefined();
    expect(ref('orders', '001A')).toBeUndefined();
    expect(ref('accounts', '__proto__')).toBeUndefined();
  });
});
