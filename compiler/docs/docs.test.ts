import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.ts';
import { run } from '../cli/docs.ts';
import { generators, planDocs } from './index.ts';
import { Anchors, cell, code, value } from './markdown.ts';
import { specReference } from './spec-reference.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function captureIO(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, env: {}, isTTY: false };
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch repository holding the schemas and the committed reference pages. */
function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-docs-'));
  temps.push(dir);
  cpSync(join(repoRoot, 'schemas'), join(dir, 'schemas'), { recursive: true });
  cpSync(join(repoRoot, 'docs/reference'), join(dir, 'docs/reference'), { recursive: true });
  return dir;
}

describe('generated docs', () => {
  it('are committed and up to date (run `npx syncspec docs` after changing a schema or the CEL library)', () => {
    const plan = planDocs(repoRoot);
    expect(plan.stale).toEqual([]);
    expect(plan.orphaned).toEqual([]);
    expect(plan.files.map((f) => f.path)).toContain('docs/reference/spec/SyncSpec.md');
  });

  it('are the same bytes on every run', () => {
    const first = generators.flatMap((g) => g.generate(repoRoot));
    const second = generators.flatMap((g) => g.generate(repoRoot));
    expect(second).toEqual(first);
  });

  it('give every field of every kind a section with its path, type and description', () => {
    const pages = specReference.generate(repoRoot);
    const syncSpec = pages.find((p) => p.path.endsWith('/SyncSpec.md'))?.content ?? '';
    expect(syncSpec).toContain('### `spec.triggers[].poll.every`');
    expect(syncSpec).toContain('- **Pattern:** `^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$`');
    expect(syncSpec).toContain('- **Allowed values:** `upsert`, `create-only`, `update-only`, `mirror`');
    const connection = pages.find((p) => p.path.endsWith('/Connection.md'))?.content ?? '';
    expect(connection).toContain('| [`spec.auth.apiKey`](#spec-auth-apikey-system-jiandaoyun-method-api-key) | [SecretRef](#type-secretref) | yes | `system = jiandaoyun` and `method = api-key` |');
    // Every anchor a page links to exists on that page.
    for (const page of pages) {
      const ids = new Set([...page.content.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
      for (const [, target] of page.content.matchAll(/\]\(#([^)]+)\)/g)) expect(ids, `${page.path} links to #${target}`).toContain(target);
    }
  });
});

describe('syncspec docs --check', () => {
  it('exits 0 when the pages match the schemas', async () => {
    const repo = scratchRepo();
    const io = captureIO(repo);
    expect(await run(['--check'], { ...io, cwd: repo })).toBe(0);
  });

  it('exits 1 naming a stale page and a page no longer generated, and changes nothing', async () => {
    const repo = scratchRepo();
    const schemaFile = join(repo, 'schemas/LookupTable.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $defs: { lookupTableSpec: { properties: { description: { description: string } } } } };
    schema.$defs.lookupTableSpec.properties.description.description = 'Changed words.';
    writeFileSync(schemaFile, JSON.stringify(schema));
    writeFileSync(join(repo, 'docs/reference/spec/Retired.md'), '# gone\n');
    const before = readFileSync(join(repo, 'docs/reference/spec/LookupTable.md'), 'utf8');

    const io = captureIO(repo);
    expect(await run(['--check', '--root', repo], io)).toBe(1);
    const err = io.err.join('');
    expect(err).toContain('docs/reference/spec/LookupTable.md: stale');
    expect(err).toContain('docs/reference/spec/Retired.md: no longer generated');
    expect(err).not.toContain('SyncSpec.md');
    expect(readFileSync(join(repo, 'docs/reference/spec/LookupTable.md'), 'utf8')).toBe(before);
  });

  it('rewrites stale pages and deletes orphans without --check, after which --check passes', async () => {
    const repo = scratchRepo();
    writeFileSync(join(repo, 'docs/reference/spec/SpecSource.md'), 'hand edit\n');
    writeFileSync(join(repo, 'docs/reference/spec/Retired.md'), '# gone\n');
    const io = captureIO(repo);
    expect(await run([], io)).toBe(0);
    expect(io.out.join('')).toContain('wrote docs/reference/spec/SpecSource.md');
    expect(existsSync(join(repo, 'docs/reference/spec/Retired.md'))).toBe(false);
    expect(await run(['--check'], captureIO(repo))).toBe(0);
  });

  it('reports a missing schema in one line with exit 2, and bad options as usage errors', async () => {
    const repo = scratchRepo();
    rmSync(join(repo, 'schemas/SpecSource.schema.json'));
    const io = captureIO(repo);
    expect(await run(['--check'], io)).toBe(2);
    expect(io.err.join('')).toMatch(/^syncspec docs: cannot generate the reference docs under .*SpecSource\.schema\.json/);
    expect(io.err.join('').split('\n').filter(Boolean)).toHaveLength(1);

    const usage = captureIO(repo);
    expect(await run(['--chek'], usage)).toBe(2);
    expect(usage.err.join('')).toContain('Usage: syncspec docs');
  });
});

describe('markdown helpers', () => {
  it('escape table pipes and keep backticks inside code spans', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c');
    expect(code('x`y')).toBe('``x`y``');
    expect(code('`edge')).toBe('`` `edge ``');
    expect(value('')).toBe('`""`');
    expect(value(' padded')).toBe('`" padded"`');
    expect(value({ team: 'o2c' })).toBe('`{"team":"o2c"}`');
  });

  it('number repeated anchors', () => {
    const anchors = new Anchors();
    expect([anchors.next('spec.auth'), anchors.next('spec.auth'), anchors.next('spec.fields.<key>[]')]).toEqual(['spec-auth', 'spec-auth-2', 'spec-fields-key']);
  });
});
