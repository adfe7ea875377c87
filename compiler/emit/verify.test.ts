import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../cli/repo.ts';
import { createTypeChecker, parseTscOutput, typeCheckNative } from './verify.ts';

const files = [
  { path: 'x/types.ts', text: 'export type Source = { "名称": string };\n' },
  { path: 'x/transform.ts', text: "import type { Source } from './types.ts';\nimport type { TransformContext } from '#support';\nexport const f = (s: Source, c: TransformContext): number => s['名称'];\n" },
];

describe('type-checking generated code', () => {
  it('ts-morph reports a strict-mode error in a generated file as SS4002 with its position', () => {
    const ds = createTypeChecker(PACKAGE_ROOT)(files, { outDir: `${PACKAGE_ROOT}/.cache/verify-test`, label: 'generated' });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'SS4002', range: { file: 'generated/x/transform.ts', start: { line: 3, col: 62 } } });
    expect(ds[0]?.summary).toContain('TS2322');
  });
  it('the native tsc reports the same error, and nothing for correct code', () => {
    const ds = typeCheckNative(files, { root: PACKAGE_ROOT, label: 'generated' });
    expect(ds).toBeDefined();
    expect(ds?.map((d) => [d.code, d.range?.file, d.range?.start.line, d.range?.start.col])).toEqual([['SS4002', 'generated/x/transform.ts', 3, 62]]);
    const fixed = files.map((f) => ({ ...f, text: f.text.replace('): number', '): string') }));
    expect(typeCheckNative(fixed, { root: PACKAGE_ROOT, label: 'generated' })).toEqual([]);
  });
  it('reads tsc output with continuation lines and ignores other modules', () => {
    const out = [
      '/s/a/transform.ts(4,5): error TS2345: Argument of type A is not assignable.',
      '  Type A is missing b.',
      '/elsewhere/x.ts(1,1): error TS1005: ; expected.',
    ].join('\n');
    expect(parseTscOutput(out, '/s', 'generated')).toEqual([
      expect.objectContaining({ summary: 'generated code does not type-check: TS2345 Argument of type A is not assignable.', detail: 'Argument of type A is not assignable.\nType A is missing b.', range: expect.objectContaining({ file: 'generated/a/transform.ts' }) }),
    ]);
  });
});
