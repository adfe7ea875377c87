/**
 * Never a stack trace: random text and bytes, and random mutations of the valid specs, through the whole
 * pipeline. Nothing throws, invalid input always gets a diagnostic, and every range lies inside its file.
 * The fast loader (js-yaml, lazy positions) must agree with the precise one on every mutated input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { loadText } from '../compiler/load/index.ts';
import { runPipelineOnSources } from '../compiler/pipeline.ts';

const root = join(import.meta.dirname, '..');

function yamlFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => join(e.parentPath, e.name))
      .sort();
  } catch {
    return [];
  }
}

const seeds = [...yamlFiles(join(root, 'specs')), join(root, 'test/fixtures/validate/order-flow.yaml')].map((f) => readFileSync(f, 'utf8'));

function assertInside(ds: readonly Diagnostic[], texts: ReadonlyMap<string, string>): void {
  for (const d of ds) {
    expect(d.code).toMatch(/^SS\d{4}$/);
    expect(d.summary.length).toBeGreaterThan(0);
    if (!d.range) continue;
    const text = texts.get(d.range.file) ?? '';
    const { start, end } = d.range;
    expect(start.offset).toBeGreaterThanOrEqual(0);
    expect(end.offset).toBeGreaterThanOrEqual(start.offset);
    expect(end.offset).toBeLessThanOrEqual(text.length);
    const lines = text.split('\n');
    for (const p of [start, end]) {
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lines.length);
      expect(p.col).toBeGreaterThanOrEqual(1);
      expect(p.col).toBeLessThanOrEqual([...(lines[p.line - 1] ?? '')].length + 1);
    }
  }
}

const lossy = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);

/** Small edits a person makes by accident. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(':', '-', ' ', '\t', '"', "'", '{', '[', ']', '}', '#', '&a ', '*a', '!', '\n', '  ', '客', '\r\n', '|', '>', ',', '? ', '%', '---\n') }),
  fc.record({ kind: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), with: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, m: Mutation): string {
  switch (m.kind) {
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'dupLine': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 'swapLines': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      const j = m.with % lines.length;
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return lines.join('\n');
    }
  }
}

const run = (file: string, content: string | Uint8Array) => runPipelineOnSources([{ file, content }]);

describe('validate never throws', () => {
  it('has valid seeds to mutate', () => {
    for (const s of seeds) expect(run('seed.yaml', s).diagnostics.filter((d) => d.code.startsWith('SS1') || d.code.startsWith('SS2'))).toEqual([]);
  });

  it('random text: no throw, at least one diagnostic, ranges inside the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.constantFrom('a', ':', ' ', '\n', '-', '{', '}', '[', ']', '"', "'", '&x', '*x', '!t', '#', '|', '>', 'kind: SyncSpec', 'apiVersion: syncspec.dev/v1'), { maxLength: 40 }).map((a) => a.join(''))), (text) => {
        const r = run('r.yaml', text);
        expect(r.diagnostics.length).toBeGreaterThan(0);
        assertInside(r.diagnostics, new Map([['r.yaml', text]]));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes: no throw, at least one diagnostic, ranges inside the file', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = run('b.yaml', bytes);
        expect(r.diagnostics.length).toBeGreaterThan(0);
        assertInside(r.diagnostics, new Map([['b.yaml', lossy(bytes)]]));
      }),
      { numRuns: 300 },
    );
  });

  it('random mutations of valid specs: no throw, ranges inside, fast and precise loaders agree', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        const text = ms.reduce(apply, seed);
        const r = run('m.yaml', text);
        assertInside(r.diagnostics, new Map([['m.yaml', text]]));
        const fast = loadText('m.yaml', text, { fast: true });
        const precise = loadText('m.yaml', text, { fast: false });
        const shape = (l: typeof fast) => ({ diags: l.diagnostics.map((d) => `${d.code}@${d.range?.start.offset}`), values: l.documents.map((d) => [d.kind, d.name, d.value]) });
        expect(isDeepStrictEqual(shape(fast), shape(precise)), JSON.stringify(text)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('mutations that must be invalid always produce an error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { maxLength: 3 }), (seed, ms) => {
        // An unknown top-level property: every kind's schema is closed at the top.
        const text = `zzUnknownTopLevel: 1\n${ms.reduce(apply, seed)}`;
        const r = run('i.yaml', text);
        expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        assertInside(r.diagnostics, new Map([['i.yaml', text]]));
      }),
      { numRuns: 200 },
    );
  });

  it('a failure inside a phase becomes SS1015, never an exception', () => {
    const r = runPipelineOnSources([{ file: 'x.yaml', content: seeds[0] ?? '' }], {
      check: () => {
        throw new Error('boom');
      },
    });
    expect(r.diagnostics.map((d) => d.code)).toContain('SS1015');
    expect(r.diagnostics.find((d) => d.code === 'SS1015')?.summary).toContain('semantic check');
  });
});
