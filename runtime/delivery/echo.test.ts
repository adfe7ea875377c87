import { describe, expect, it } from 'vitest';
import { isEcho } from './echo.ts';
import { idempotencyKey } from './idempotency.ts';

describe('isEcho', () => {
  it('matches when every written field is unchanged, whatever else the system added', () => {
    expect(isEcho({ Name: '华为', Amount: '12.50', Tags: { b: 1, a: 2 } }, { Id: '1', Name: '华为', Amount: 12.5, Tags: { a: 2, b: 1 }, SystemModstamp: 'x' })).toBe(true);
    expect(isEcho({ Note: null }, {})).toBe(true);
  });

  it('does not match when a written field changed since', () => {
    expect(isEcho({ Name: '华为' }, { Name: '华为技术' })).toBe(false);
    expect(isEcho({ Amount: '' }, { Amount: 0 })).toBe(false);
  });
});

describe('idempotencyKey', () => {
  it('is stable for a record version and differs across versions', () => {
    const a = idempotencyKey({ spec: 's', entity: 'E', key: 'K1', version: '3' });
    expect(a).toBe(idempotencyKey({ spec: 's', entity: 'E', key: 'K1', version: '3' }));
    expect(a).not.toBe(idempotencyKey({ spec: 's', entity: 'E', key: 'K1', version: '4' }));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
