/** Every mapping (SS32xx) and emit (SS4xxx) code is raised by the compiler and expected by a test. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitCodes } from '../compiler/diagnostics/codes/emit.ts';
import { mappingCodes } from '../compiler/diagnostics/codes/mapping.ts';

const root = join(import.meta.dirname, '..');
const read = (dir: string, keep: (f: string) => boolean): string =>
  readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');

const source = ['compiler/mapping', 'compiler/emit', 'compiler/cli'].map((d) => read(d, (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))).join('\n');
const tests = [
  read('compiler/mapping', (f) => f.endsWith('.test.ts')),
  read('compiler/emit', (f) => f.endsWith('.test.ts')),
  read('compiler/cli', (f) => f.endsWith('.test.ts')),
  read('test', (f) => f.startsWith('codegen-') && f.endsWith('.test.ts') && f !== 'codegen-codes.test.ts'),
].join('\n');

describe('mapping and emit codes', () => {
  it.each(Object.keys({ ...mappingCodes, ...emitCodes }))('%s is raised in compiler/ and expected by a test', (code) => {
    expect(source.includes(`'${code}'`), `${code} raised`).toBe(true);
    expect(tests.includes(code), `${code} tested`).toBe(true);
  });
});
