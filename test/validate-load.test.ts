/** Phase 1 (load): encodings, line endings, multi-document files, duplicate keys, aliases, limits, kind dispatch, walking. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFiles, loadBytes, loadFile, loadText } from '../compiler/load/index.ts';
import { MAX_ALIAS_EXPANSION } from '../compiler/load/yaml-doc.ts';
import { runPipeline } from '../compiler/pipeline.ts';

const LOOKUP = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata:\n  name: regions\nspec:\n  entries:\n    客户编号: "C-001"\n    华东: 华东销售组织\n';
const tmp = mkdtempSync(join(tmpdir(), 'syncspec-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const codesOf = (r: { diagnostics: { code: string; range?: { start: { line: number; col: number } } }[] }) =>
  r.diagnostics.map((d) => `${d.code}@${d.range?.start.line}:${d.range?.start.col}`);

describe.each([true, false])('loader (fast path %s)', (fast) => {
  it('round-trips Chinese keys and values and locates them', () => {
    const r = loadText('r.yaml', LOOKUP, { fast });
    expect(r.diagnostics).toEqual([]);
    const doc = r.documents[0];
    expect(doc?.kind).toBe('LookupTable');
    expect(doc?.name).toBe('regions');
    expect((doc?.value as { spec: { entries: Record<string, string> } }).spec.entries).toEqual({ 客户编号: 'C-001', 华东: '华东销售组织' });
    expect(doc?.locate(['spec', 'entries', '客户编号'], 'key')).toMatchObject({ start: { line: 7, col: 5 }, end: { line: 7, col: 9 } });
    // Columns count code points: the value after "客户编号: " starts at column 11.
    expect(doc?.locate(['spec', 'entries', '客户编号'])).toMatchObject({ start: { line: 7, col: 11 }, end: { line: 7, col: 18 } });
    expect(doc?.locate(['spec', 'entries', '华东'])).toMatchObject({ start: { line: 8, col: 9, offset: LOOKUP.indexOf('华东销售组织') } });
  });

  it('reads UTF-8 with a BOM and CRLF line ends with editor positions', () => {
    const text = LOOKUP.replace(/\n/g, '\r\n');
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    const r = loadBytes('r.yaml', bytes, { fast });
    expect(r.diagnostics).toEqual([]);
    expect(r.documents[0]?.locate(['spec', 'entries', '华东'])).toMatchObject({ start: { line: 8, col: 9 }, end: { line: 8, col: 15 } });
    expect(r.documents[0]?.locate(['metadata', 'name'])).toMatchObject({ start: { line: 4, col: 9 }, end: { line: 4, col: 16 } });
  });

  it('loads every document of a multi-document file with its index', () => {
    const r = loadText('m.yaml', `${LOOKUP}---\n${LOOKUP.replace('regions', 'units')}`, { fast });
    expect(r.documents.map((d) => [d.index, d.name])).toEqual([[0, 'regions'], [1, 'units']]);
    expect(r.documents[1]?.locate(['metadata', 'name'])).toMatchObject({ start: { line: 13, col: 9 } });
  });

  it('allows small anchors and aliases and expands them', () => {
    const text = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata: { name: a }\nspec:\n  entries: &e { x: "1" }\n  default: *e\n';
    const r = loadText('a.yaml', text, { fast });
    expect(r.diagnostics).toEqual([]);
    expect((r.documents[0]?.value as { spec: { default: unknown } }).spec.default).toEqual({ x: '1' });
  });

  it('reports duplicate keys at the second occurrence', () => {
    expect(codesOf(loadText('d.yaml', `${LOOKUP}    华东: again\n`, { fast }))).toEqual(['SS1003@9:5']);
  });

  it('finds a duplicate among 20,000 keys, and treats 1 and "1" as the same key', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => `    k${i}: v${i}\n`).join('');
    const r = loadText('big.yaml', `${LOOKUP}${entries}    k19999: again\n    7: a\n    "7": b\n`, { fast });
    expect(codesOf(r)).toEqual(['SS1003@20009:5', 'SS1003@20011:5']);
  });

  it('reports nesting too deep for the parser as a syntax error, not a crash', () => {
    const r = loadText('deep.yaml', `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, { fast });
    expect(r.diagnostics.map((d) => [d.code, d.summary])).toContainEqual(['SS1001', 'YAML nesting is too deep to read']);
  });

  it('stops alias expansion bombs with a coded error', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const r = loadText('bomb.yaml', `${levels.join('\n')}\n`, { fast });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SS1004']);
    expect(r.diagnostics[0]?.summary).toContain(String(MAX_ALIAS_EXPANSION));
  });

  it('names unresolved aliases and unknown tags', () => {
    expect(codesOf(loadText('u.yaml', 'a: *nothing\n', { fast }))).toEqual(['SS1011@1:4']);
    const tagged = loadText('t.yaml', LOOKUP.replace('"C-001"', '!custom C-001'), { fast });
    expect(codesOf(tagged)).toEqual(['SS1013@7:11']);
    expect(tagged.diagnostics[0]?.severity).toBe('warning');
    expect(tagged.documents).toHaveLength(1);
  });

  it('warns about empty files and empty documents', () => {
    expect(codesOf(loadText('e.yaml', '', { fast }))).toEqual(['SS1012@1:1']);
    expect(codesOf(loadText('e.yaml', '# only a comment\n', { fast }))).toEqual(['SS1012@1:1']);
    const r = loadText('e.yaml', `${LOOKUP}---\n---\n${LOOKUP.replace('regions', 'units')}`, { fast });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SS1012']);
    expect(r.documents).toHaveLength(2);
  });

  it('dispatches on kind and apiVersion', () => {
    const unknown = loadText('k.yaml', LOOKUP.replace('LookupTable', 'LookupTabel'), { fast });
    expect(codesOf(unknown)).toEqual(['SS1008@2:7']);
    expect(unknown.diagnostics[0]?.suggestion).toBe('LookupTable');
    expect(unknown.diagnostics[0]?.detail).toContain('SyncSpec, Connection, LookupTable, EntitySchema, SpecSource');
    expect(codesOf(loadText('k.yaml', LOOKUP.replace('syncspec.dev/v1', 'syncspec.dev/v1beta1'), { fast }))).toEqual(['SS1009@1:13']);
    expect(codesOf(loadText('k.yaml', LOOKUP.replace('kind: LookupTable\n', ''), { fast }))).toEqual(['SS1010@1:1']);
    expect(codesOf(loadText('k.yaml', LOOKUP.replace('kind: LookupTable', 'kind: [a]'), { fast }))).toEqual(['SS1010@2:7']);
    expect(codesOf(loadText('k.yaml', '- a\n- b\n', { fast }))).toEqual(['SS1007@1:1']);
  });
});

describe('file reading', () => {
  it('rejects files over the size limit without reading them, naming the size', () => {
    const big = join(tmp, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
    const r = loadFile('big.yaml', tmp);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SS1005']);
    expect(r.diagnostics[0]?.summary).toMatch(/1\.0 MiB \(1048589 bytes\).*limit.*1\.0 MiB/);
    expect(loadBytes('s.yaml', new TextEncoder().encode(LOOKUP), { maxBytes: 64 }).diagnostics[0]?.summary).toContain(`${new TextEncoder().encode(LOOKUP).length} bytes`);
  });

  it('rejects binary, UTF-16 and invalid UTF-8 with the position of the bad byte', () => {
    expect(codesOf(loadBytes('b.yaml', new Uint8Array([0x61, 0x3a, 0x20, 0x00])))).toEqual(['SS1006@1:4']);
    expect(codesOf(loadBytes('b.yaml', new Uint8Array([0xff, 0xfe, 0x61, 0x00])))).toEqual(['SS1006@1:1']);
    expect(codesOf(loadBytes('b.yaml', new Uint8Array([0x61, 0x0a, 0x62, 0x3a, 0x20, 0xe9, 0x0a])))).toEqual(['SS1006@2:4']);
  });

  it('walks directories for *.yaml and *.yml in sorted order, skipping dot-folders and node_modules', () => {
    const root = join(tmp, 'repo');
    for (const d of ['b', 'a/z', '.git', 'node_modules/x']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['b/2.yaml', 'b/1.yml', 'a/z/9.yaml', 'a/0.YAML', 'a/notes.md', '.git/x.yaml', 'node_modules/x/y.yaml', 'c.yaml']) writeFileSync(join(root, f), LOOKUP);
    const r = collectFiles(['repo'], tmp);
    expect(r.problems).toEqual([]);
    expect(r.files).toEqual(['repo/a/0.YAML', 'repo/a/z/9.yaml', 'repo/b/1.yml', 'repo/b/2.yaml', 'repo/c.yaml']);
  });

  it('warns about a folder without spec files', () => {
    mkdirSync(join(tmp, 'empty/.hidden'), { recursive: true });
    writeFileSync(join(tmp, 'empty/.hidden/a.yaml'), LOOKUP);
    const r = runPipeline(['empty'], { cwd: tmp });
    expect(r.ioError).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['SS1016', 'warning']]);
  });

  it('reports a missing path as an I/O problem', () => {
    const r = runPipeline(['does/not/exist'], { cwd: tmp });
    expect(r.ioError).toBe(true);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SS1014']);
    expect(r.diagnostics[0]?.summary).toContain('does/not/exist');
  });
});
