import { describe, expect, it } from 'vitest';
import * as rt from '../../runtime/support/index.ts';
import type { CelScope } from '../cel/api.ts';
import { compileExpression, functions } from '../cel/index.ts';
import { celDocs, renderCelDocs } from './cel.ts';

/** A CEL-literal rendering of a run-time value, the notation the examples use. */
function show(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return rt.formatDouble(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof rt.U64) return `${v.v}u`;
  if (v instanceof rt.Decimal) return `decimal("${v.toString()}")`;
  if (v instanceof rt.PlainDate) return `date("${v.toString()}")`;
  if (v instanceof rt.Timestamp) return `timestamp("${v.toString()}")`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v instanceof rt.CelMap) return `{${v.entries().map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
  return String(v);
}

const docScope: CelScope = {
  variables: {},
  entity: () => undefined,
  lookups: { units: { keyType: 'string', valueType: 'string', keys: ['EA', 'BOX'], hasDefault: false } },
  refs: { 'crm-account-to-erp-customer': { sourceKeyType: { kind: 'string' } } },
  timezone: 'Asia/Shanghai',
};
const docCtx = {
  lookup: (t: string, k: string | number) => (t === 'units' ? ({ EA: 'Pcs', BOX: 'Box' } as Record<string, string>)[String(k)] : undefined),
  ref: (s: string, id: string) => (s === 'crm-account-to-erp-customer' && id === '001A000001' ? 'CUST-0001' : undefined),
};

describe('CEL reference docs', () => {
  it('every documented example gives its documented result', () => {
    const wrong: string[] = [];
    for (const f of functions) {
      for (const ex of f.examples) {
        const c = compileExpression(ex.expr, docScope);
        if (c.code === undefined) {
          wrong.push(`${f.name}: ${ex.expr} does not compile: ${c.diagnostics.map((d) => d.summary).join('; ')}`);
          continue;
        }
        let got: string;
        try {
          got = show(new Function('rt', 'ctx', `return ${c.code};`)(rt, docCtx));
        } catch (e) {
          got = e instanceof rt.CelError ? `error: ${e.code}` : `exception: ${String(e)}`;
        }
        if (got !== ex.result) wrong.push(`${f.name}: ${ex.expr} gives ${got}, documented ${ex.result}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents every function with a summary and a signature, and most with examples', () => {
    for (const f of functions) {
      expect(f.summary.length, f.name).toBeGreaterThan(10);
      expect(f.overloads.length + (f.signatures?.length ?? 0), f.name).toBeGreaterThan(0);
    }
    const withExamples = functions.filter((f) => f.examples.length > 0).length;
    expect(withExamples / functions.length).toBeGreaterThan(0.85);
  });

  it('renders one page per function plus an index, deterministically', () => {
    const a = renderCelDocs(functions);
    const b = renderCelDocs([...functions].reverse());
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    expect(a.length).toBe(functions.length + 1);
    const round = a.find((f) => f.path === 'docs/reference/cel/round.md');
    expect(round?.content).toContain('decimal.round(int, string) -> decimal');
    expect(round?.content).toContain('half-even');
    const index = a.find((f) => f.path === 'docs/reference/cel/README.md');
    expect(index?.content).toContain('[`lookup()`](lookup.md)');
    expect(index?.content).toContain('(operator-add.md)');
    expect(celDocs.generate('.')).toEqual(a);
    expect(a.every((f) => f.path.startsWith(`${celDocs.outDir}/`))).toBe(true);
  });
});
