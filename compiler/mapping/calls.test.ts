import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { namedCalls } from './calls.ts';

describe('namedCalls', () => {
  it('finds global lookup and ref calls with a literal first argument', () => {
    expect(namedCalls(`lookup('units', item.Unit__c.orValue('个')) + ref("crm-accounts", source.Id)`)).toEqual({
      lookups: ['units'],
      refs: ['crm-accounts'],
    });
    expect(namedCalls(`lookup ( 'sales-orgs' , x)`).lookups).toEqual(['sales-orgs']);
    expect(namedCalls(`lookup(r'raw\\name', x)`).lookups).toEqual(['raw\\name']);
    expect(namedCalls(`lookup('''tri''', x)`).lookups).toEqual(['tri']);
    expect(namedCalls(`lookup('esc\\'q\\u00e9', x)`).lookups).toEqual(["esc'qé"]);
  });
  it('ignores methods, other identifiers, non-literal names and text inside strings', () => {
    expect(namedCalls(`m.lookup('a', 1) + mylookup('b', 2) + lookup(name, 3) + "lookup('c', 4)" + 'ref(\\'d\\', 5)'`)).toEqual({ lookups: [], refs: [] });
  });
  it('never throws and finds every table name it is given', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 4 }), fc.string(), (names, noise) => {
        const text = names.map((n) => `lookup(${JSON.stringify(n)}, x)`).join(' + ');
        expect(namedCalls(text).lookups).toEqual(names);
        expect(() => namedCalls(noise)).not.toThrow();
      }),
    );
  });
});
