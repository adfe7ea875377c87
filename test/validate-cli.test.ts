/** `syncspec validate` and `syncspec explain`: exit codes, formats, and the real binary end to end. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/io.ts';
import { run as explain } from '../compiler/cli/explain.ts';
import { run as validate } from '../compiler/cli/validate.ts';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'syncspec-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io(cwd = root, env: Record<string, string> = {}, isTTY = false) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), cwd, env, isTTY };
  return { cli, out };
}

const LOOKUP = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata:\n  name: regions\nspec:\n  entries: { 华东: "101" }\n';

describe('syncspec validate', () => {
  it('exits 1 with the expected diagnostic for an invalid fixture', async () => {
    const { cli, out } = io();
    expect(await validate(['test/fixtures/invalid/ss2-misspelt-triggers.yaml'], cli)).toBe(1);
    expect(out.stdout).toContain('test/fixtures/invalid/ss2-misspelt-triggers.yaml:10:3: error SS2001: Unknown property "trigers" — did you mean "triggers"?');
    expect(out.stdout).not.toContain('\x1b[');
  });

  it('never prints a literal secret, in any format', async () => {
    for (const format of ['pretty', 'json', 'sarif', 'github']) {
      const { cli, out } = io(root, { FORCE_COLOR: '1' });
      expect(await validate(['test/fixtures/invalid/ss2-connection-plain-secret.yaml', '--format', format], cli)).toBe(1);
      expect(out.stdout).toContain('SS2015');
      expect(out.stdout).not.toContain('s3cr3t');
    }
  });

  it('exits 0 on a clean file, and warnings fail only with --strict', async () => {
    writeFileSync(join(tmp, 'ok.yaml'), LOOKUP);
    writeFileSync(join(tmp, 'warn.yaml'), `${LOOKUP}---\n---\n`);
    expect(await validate(['ok.yaml'], io(tmp).cli)).toBe(0);
    const warned = io(tmp);
    expect(await validate(['warn.yaml'], warned.cli)).toBe(0);
    expect(warned.out.stdout).toContain('warning SS1012');
    expect(await validate(['warn.yaml', '--strict'], io(tmp).cli)).toBe(1);
  });

  it('exits 2 for a missing path, an unknown format or an unknown option', async () => {
    const missing = io(tmp);
    expect(await validate(['nope/'], missing.cli)).toBe(2);
    expect(missing.out.stdout).toContain('SS1014');
    const fmt = io();
    expect(await validate(['specs', '--format', 'sarf'], fmt.cli)).toBe(2);
    expect(fmt.out.stderr).toContain('did you mean "sarif"?');
    expect(await validate(['--bogus'], io().cli)).toBe(2);
  });

  it('writes json, sarif and github formats', async () => {
    const file = 'test/fixtures/invalid/ss2-bad-enum-delivery-mode.yaml';
    const json = io();
    expect(await validate([file, '--format', 'json'], json.cli)).toBe(1);
    expect((JSON.parse(json.out.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toEqual(['SS2004']);
    const sarif = io();
    expect(await validate([file, '-f', 'sarif'], sarif.cli)).toBe(1);
    expect((JSON.parse(sarif.out.stdout) as { version: string }).version).toBe('2.1.0');
    const gh = io();
    expect(await validate([file, '--format=github'], gh.cli)).toBe(1);
    expect(gh.out.stdout).toMatch(/^::error file=test\/fixtures\/invalid\/ss2-bad-enum-delivery-mode\.yaml,line=16,col=11,endLine=16,endColumn=16,title=SS2004::/);
  });

  it('runs as a real process on specs/ and on the corpus without a stack trace', () => {
    const node = process.execPath;
    const ok = spawnSync(node, [join(root, 'bin/syncspec.js'), 'validate', 'specs/'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/✔ \d+ files, \d+ documents checked: no problems/);
    expect(ok.status).toBe(0);
    const bad = spawnSync(node, [join(root, 'bin/syncspec.js'), 'validate', 'test/fixtures/invalid'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('');
    expect(bad.stdout).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  });
});

describe('syncspec explain', () => {
  it('prints the title and explanation of a code', async () => {
    const { cli, out } = io();
    expect(await explain(['SS2001'], cli)).toBe(0);
    expect(out.stdout).toMatch(/^SS2001 — Unknown property\n\n.*closed/s);
    expect(await explain(['ss1003'], io().cli)).toBe(0);
  });

  it('exits 2 for an unknown code with a suggestion, and without an argument', async () => {
    const { cli, out } = io();
    expect(await explain(['SS20001'], cli)).toBe(2);
    expect(out.stderr).toContain('unknown code "SS20001" — did you mean SS2001?');
    expect(await explain([], io().cli)).toBe(2);
  });
});
