import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scopeFor } from './fixtures.ts';
import { compileExpression } from './index.ts';

const scope = scopeFor({ source: 'Order', item: 'OrderItem' });
const token = fc.constantFrom(
  'source', 'item', '.', 'OrderNumber', 'OrderItems', 'Quantity', 'Description', '(', ')', '[', ']', '{', '}', ',', ':', '?', '!', '-', '+', '*', '/', '%',
  '==', '!=', '<', '>=', '&&', '||', ' in ', '1', '2u', '3.5', '"s"', "'t'", 'b"x"', 'null', 'true', 'map', 'filter', 'all', 'exists', 'x', 'has',
  'decimal', 'round', 'date', 'lookup', 'ref', 'coalesce', 'orValue', 'hash', 'size', 'int', 'dyn', 'type', 'optional', 'of', 'none', '"units"', '"EA"',
  '"half-even"', '"Asia/Shanghai"', '9223372036854775807', ' ', '\n', '😀', '`', '$', '\\',
);

/** Every compiled result is either code or at least one error, each inside the text. */
function wellFormed(text: string): void {
  const r = compileExpression(text, scope);
  if (r.code === undefined) expect(r.diagnostics.some((d) => d.severity === 'error'), text).toBe(true);
  for (const d of r.diagnostics) {
    expect(d.code, text).toMatch(/^SS3[01]\d\d$/);
    expect(d.start, text).toBeGreaterThanOrEqual(0);
    expect(d.end, text).toBeLessThanOrEqual(text.length);
    expect(d.start, text).toBeLessThanOrEqual(d.end);
    expect(d.summary.length, text).toBeGreaterThan(0);
  }
  if (r.code !== undefined) expect(() => new Function('rt', 'source', 'item', 'ctx', `return ${r.code};`), text).not.toThrow();
}

describe('compileExpression never throws', () => {
  it('on arbitrary text (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (text) => wellFormed(text)), { numRuns: 500 });
  });

  it('on CEL-like token soup (property)', () => {
    fc.assert(fc.property(fc.array(token, { maxLength: 25 }), (ts) => wellFormed(ts.join(''))), { numRuns: Number(process.env.CEL_FUZZ_RUNS ?? 1500) });
  });

  it('on deeply nested input', () => {
    wellFormed(`${'('.repeat(200)}1${')'.repeat(200)}`);
    wellFormed(`[${'['.repeat(100)}${']'.repeat(100)}]`);
  });
});
