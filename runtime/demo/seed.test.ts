import { describe, expect, it } from 'vitest';
import { demoData, tally } from './seed.ts';

describe('demoData', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(demoData(300)).toEqual(demoData(300));
    expect(demoData(300, 7)).not.toEqual(demoData(300));
  });

  it.each([20, 200, 3000])('%i records: unique numbers, bad records of every kind, orders only for synced customers', (n) => {
    const d = demoData(n);
    expect(d.accounts).toHaveLength(n);
    expect(d.orders).toHaveLength(n);
    const numbers = d.accounts.flatMap((a) => (a.number ? [a.number] : []));
    expect(new Set(numbers).size).toBe(numbers.length);
    const t = tally(d.accounts);
    expect(t.synced + t.filtered + t.deadLettered).toBe(n);
    const classes = new Set(d.accounts.flatMap((a) => (a.expected.outcome === 'dead-lettered' ? [a.expected.class] : [])));
    expect(classes).toEqual(new Set(['rejected', 'bad-mapping']));
    expect(tally(d.orders).deadLettered).toBeGreaterThan(0);
    expect(tally(d.orders).filtered).toBeGreaterThan(0);
    for (const o of d.orders) expect(d.accounts[o.account]?.expected.outcome).toBe('synced');
    for (const o of d.orders) expect(o.productCodes).toHaveLength(o.items.length);
    // Bad orders are exactly those naming the product Kingdee lacks.
    for (const o of d.orders) expect(o.productCodes.includes(d.missingProduct)).toBe(o.expected.outcome === 'dead-lettered');
  });

  it('mixes in the characters that break naive integrations, and nulls', () => {
    const d = demoData(3000);
    const names = d.accounts.map((a) => String(a.fields.Name));
    for (const probe of ['<script>', '"', "'", '\n', '\\', '🚀', '&']) expect(names.some((s) => s.includes(probe)), probe).toBe(true);
    expect(d.accounts.some((a) => a.fields.Phone === null)).toBe(true);
    expect(d.accounts.some((a) => a.fields.Region__c === null)).toBe(true);
    expect(d.orders.some((o) => o.fields.Description === null)).toBe(true);
    expect(d.orders.some((o) => o.items.some((i) => i.Unit__c === null))).toBe(true);
  });
});
