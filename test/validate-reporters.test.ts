/** Reporters: pretty (caret under the range, colour rules), json (stable), sarif (valid SARIF 2.1.0), github (escaping). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { escapeData, escapeProperty } from '../compiler/diagnostics/reporters/github.ts';
import { renderGithub, renderJson, renderPretty, renderSarif, useColor } from '../compiler/diagnostics/reporters/index.ts';
import { runPipeline } from '../compiler/pipeline.ts';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');

const text = 'spec:\n  名称: 客户编号\n  trigers: []\n';
const sources = new Map([['specs/a.yaml', text]]);
const diag = (over: Partial<Diagnostic>): Diagnostic => ({
  code: 'SS2001',
  severity: 'error',
  summary: 'Unknown property "trigers" — did you mean "triggers"?',
  detail: 'Allowed under "spec": triggers.',
  suggestion: 'triggers',
  range: { file: 'specs/a.yaml', start: { line: 3, col: 3, offset: 17 }, end: { line: 3, col: 10, offset: 24 } },
  ...over,
});

describe('pretty', () => {
  it('prints location, code, the source line and a caret with tildes under the range', () => {
    const out = renderPretty([diag({})], { color: false, sources });
    expect(out).toBe(
      'specs/a.yaml:3:3: error SS2001: Unknown property "trigers" — did you mean "triggers"?\n' +
        '3 |   trigers: []\n' +
        '  |   ^~~~~~~\n' +
        '  Allowed under "spec": triggers.\n' +
        '  fix: triggers\n',
    );
  });

  it('lines the caret up under wide characters', () => {
    const d = diag({ range: { file: 'specs/a.yaml', start: { line: 2, col: 7, offset: 12 }, end: { line: 2, col: 11, offset: 16 } } });
    const lines = renderPretty([d], { color: false, sources }).split('\n');
    expect(lines[1]).toBe('2 |   名称: 客户编号');
    // "  名称: " is 2 + 4 + 2 cells wide; 客户编号 is 8 cells.
    expect(lines[2]).toBe(`  | ${' '.repeat(8)}^${'~'.repeat(7)}`);
  });

  it('uses colour only on a terminal and never when NO_COLOR is set', () => {
    expect(useColor({}, true)).toBe(true);
    expect(useColor({}, false)).toBe(false);
    expect(useColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(renderPretty([diag({})], { color: true, sources })).toContain('\x1b[31m');
    expect(renderPretty([diag({})], { color: false, sources })).not.toContain('\x1b[');
  });

  it('shows a window of a very long line with the marker still under the range', () => {
    const long = `${'x'.repeat(5000)}BAD${'y'.repeat(5000)}`;
    const d = diag({ range: { file: 'l.yaml', start: { line: 1, col: 5001, offset: 5000 }, end: { line: 1, col: 5004, offset: 5003 } } });
    const lines = renderPretty([d], { color: false, sources: new Map([['l.yaml', long]]) }).split('\n');
    expect(lines[1]?.length).toBeLessThan(200);
    const marker = lines[2]?.indexOf('^') ?? -1;
    expect(lines[1]?.slice(marker, marker + 3)).toBe('BAD');
    expect(lines[2]?.slice(marker)).toBe('^~~');
  });

  it('masks the text under the range of a diagnostic about a credential', () => {
    const d = diag({ code: 'SS3015', range: { file: 'c.yaml', start: { line: 1, col: 11, offset: 10 }, end: { line: 1, col: 21, offset: 20 } } });
    const out = renderPretty([d], { color: false, sources: new Map([['c.yaml', 'password: hunter2 x1 # note']]) });
    expect(out).toContain('1 | password: ********** # note');
    expect(out).not.toContain('hunter2');
  });

  it('makes control characters in the source visible', () => {
    const out = renderPretty([diag({ range: { file: 'x.yaml', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 2, offset: 1 } } })], { color: false, sources: new Map([['x.yaml', 'a\x1b[2Jb\n']]) });
    expect(out).toContain('a\\x1b[2Jb');
  });
});

describe('json', () => {
  it('is sorted by file and position and stable', () => {
    const a = diag({ range: { file: 'b.yaml', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 2, offset: 1 } } });
    const b = diag({ code: 'SS1003', range: { file: 'a.yaml', start: { line: 5, col: 1, offset: 40 }, end: { line: 5, col: 2, offset: 41 } } });
    const c = diag({ code: 'SS1001', range: { file: 'a.yaml', start: { line: 2, col: 1, offset: 10 }, end: { line: 2, col: 2, offset: 11 } } });
    const out = renderJson([a, b, c], 2, 2);
    expect(out).toBe(renderJson([c, a, b], 2, 2));
    const parsed = JSON.parse(out) as { summary: unknown; diagnostics: { code: string }[] };
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(['SS1001', 'SS1003', 'SS2001']);
    expect(parsed.summary).toEqual({ files: 2, documents: 2, errors: 3, warnings: 0, infos: 0 });
  });
});

describe('sarif', () => {
  const sarifSchema = JSON.parse(readFileSync(join(root, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The official schema is draft-04 ("id"); ajv's draft-07 validator reads it once the meta-schema link is dropped.
  const { $schema: _meta, id, ...body } = sarifSchema;
  const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile({ ...body, $id: String(id) });

  it('validates against the official SARIF 2.1.0 schema, for the whole invalid corpus', () => {
    const result = runPipeline(['test/fixtures/invalid'], { cwd: root });
    expect(result.diagnostics.length).toBeGreaterThan(25);
    const log = JSON.parse(renderSarif(result.diagnostics, '0.1.0')) as { runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } }; results: { ruleId: string; ruleIndex: number; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    const ok = validate(log);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
    const run = log.runs[0];
    if (!run) throw new Error('no run');
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
    expect(run.tool.driver.rules.find((r) => r.id === 'SS2001')?.help.text).toContain('Unknown property');
    expect(run.results.every((r) => (r.locations[0]?.physicalLocation.region.startLine ?? 0) >= 1)).toBe(true);
  });

  it('uses relative URIs with encoded characters and code-point columns', () => {
    const log = JSON.parse(renderSarif([diag({ range: { file: 'specs/客户 flows/a.yaml', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 2, offset: 1 } } })], '0.1.0')) as { runs: { columnKind: string; results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(log.runs[0]?.columnKind).toBe('unicodeCodePoints');
    expect(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('specs/%E5%AE%A2%E6%88%B7%20flows/a.yaml');
    expect(validate(log)).toBe(true);
  });
});

describe('github', () => {
  it('writes workflow commands with the range and the code as title', () => {
    expect(renderGithub([diag({})])).toBe(
      '::error file=specs/a.yaml,line=3,col=3,endLine=3,endColumn=10,title=SS2001::Unknown property "trigers" — did you mean "triggers"?%0AAllowed under "spec": triggers.%0AFix: triggers\n',
    );
    expect(renderGithub([diag({ severity: 'warning' })])).toMatch(/^::warning /);
    expect(renderGithub([diag({ severity: 'info' })])).toMatch(/^::notice /);
  });

  it('escapes %, CR, LF in messages and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('dir:a,b/50%.yaml')).toBe('dir%3Aa%2Cb/50%25.yaml');
    const plain: Diagnostic = { code: 'SS2001', severity: 'error', summary: 'a%b\nc', range: { file: 'x,y:z.yaml', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } } };
    const out = renderGithub([plain]);
    expect(out).toBe('::error file=x%2Cy%3Az.yaml,line=1,col=1,endLine=1,endColumn=1,title=SS2001::a%25b%0Ac\n');
  });
});
