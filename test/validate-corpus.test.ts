/**
 * The invalid corpus: every file in test/fixtures/invalid/ declares the diagnostics it must produce
 * (see its README); each is validated alone through the whole pipeline and must report exactly those.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/io.ts';
import { run as validateCommand } from '../compiler/cli/validate.ts';
import { runPipeline } from '../compiler/pipeline.ts';

const root = join(import.meta.dirname, '..');
const dir = 'test/fixtures/invalid';
const EXPECT = /^\s*(?:#\s*)?expect:\s*(SS\d{4})\s+at\s+(\d+):(\d+)\s*$/;

function expectations(file: string): string[] {
  const sidecar = join(root, `${file}.expect`);
  const text = existsSync(sidecar) ? readFileSync(sidecar, 'utf8') : readFileSync(join(root, file)).toString('utf8');
  return text
    .split(/\r?\n/)
    .map((l) => EXPECT.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} at ${m[2]}:${m[3]}`)
    .sort();
}

const fixtures = readdirSync(join(root, dir))
  .filter((f) => f !== 'README.md' && !f.endsWith('.expect'))
  .sort()
  .map((f) => `${dir}/${f}`);

describe('invalid corpus', () => {
  it('has at least 25 load and schema fixtures', () => {
    expect(fixtures.filter((f) => /\/ss[12]-/.test(f)).length).toBeGreaterThanOrEqual(25);
  });

  it.each(fixtures)('%s reports exactly its declared diagnostics', (file) => {
    const expected = expectations(file);
    expect(expected.length, `${file} declares no "# expect: CODE at line:col"`).toBeGreaterThan(0);
    const result = runPipeline([file], { cwd: root });
    const actual = result.diagnostics.map((d) => `${d.code} at ${d.range?.start.line}:${d.range?.start.col}`).sort();
    expect(actual).toEqual(expected);
    for (const d of result.diagnostics) {
      expect(d.summary.length).toBeGreaterThan(0);
      expect(d.summary).not.toMatch(/\n/);
    }
  });

  it.each(fixtures)('syncspec validate %s --format json exits as its diagnostics say', async (file) => {
    let stdout = '';
    const io: CliIO = { stdout: (t) => void (stdout += t), stderr: () => undefined, cwd: root, env: {}, isTTY: false };
    const code = await validateCommand([file, '--format', 'json'], io);
    const report = JSON.parse(stdout) as { diagnostics: { code: string; severity: string; range?: { start: { line: number; col: number } } }[] };
    expect(report.diagnostics.map((d) => `${d.code} at ${d.range?.start.line}:${d.range?.start.col}`).sort()).toEqual(expectations(file));
    expect(code).toBe(report.diagnostics.some((d) => d.severity === 'error') ? 1 : 0);
  });
});
