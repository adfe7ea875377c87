/** The code registry: every code documented; every load/schema code raised by the compiler and exercised by a test. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes, phaseOf } from '../compiler/diagnostics/codes.ts';

const root = join(import.meta.dirname, '..');
const codeDir = join(root, 'compiler/diagnostics/codes');

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(join(e.parentPath, e.name)))
    .map((e) => join(e.parentPath, e.name));
}

describe('code registry', () => {
  it('every code in every registry file has a title and a real explanation', () => {
    const files = readdirSync(codeDir).filter((f) => f.endsWith('.ts') && f !== 'types.ts');
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const [code, info] of Object.entries(codes as Record<string, { title: string; explanation: string }>)) {
      expect(code).toMatch(/^SS[1-6]\d{3}$/);
      expect(phaseOf(code), code).toBeDefined();
      expect(info.title.trim().length, `${code} title`).toBeGreaterThan(3);
      expect(info.explanation.trim().length, `${code} explanation`).toBeGreaterThan(60);
    }
  });

  it('no code is defined in two registry files (the merge would hide one)', () => {
    const where = new Map<string, string>();
    for (const f of readdirSync(codeDir).filter((x) => x.endsWith('.ts') && x !== 'types.ts')) {
      for (const m of readFileSync(join(codeDir, f), 'utf8').matchAll(/^\s+(SS\d{4}):/gm)) {
        const code = m[1] ?? '';
        expect(where.get(code), `${code} in ${f} and ${where.get(code)}`).toBeUndefined();
        where.set(code, f);
      }
    }
    expect(where.size).toBe(Object.keys(codes).length);
  });

  const loadSchemaCodes = Object.keys(codes).filter((c) => c.startsWith('SS1') || c.startsWith('SS2'));
  const source = filesUnder(join(root, 'compiler'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith(codeDir))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const tests = [
    ...filesUnder(join(root, 'test'), (f) => /validate-.*\.test\.ts$/.test(f) || /fixtures\/invalid\//.test(f)),
  ]
    .map((f) => readFileSync(f).toString('utf8'))
    .join('\n');

  it.each(loadSchemaCodes)('%s is raised by the compiler and expected by a test', (code) => {
    expect(source.includes(`'${code}'`), `${code} raised in compiler/`).toBe(true);
    expect(tests.includes(code), `${code} in a validate test or fixture`).toBe(true);
  });
});
