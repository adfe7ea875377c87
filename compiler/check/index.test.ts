import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeInfo } from '../diagnostics/codes.ts';
import { semanticCodes } from '../diagnostics/codes/semantic.ts';
import { checkRepo } from './index.ts';
import type { LoadedDocument } from '../model.ts';
import { brief, COMPLETE_ORDER_SPEC, CONNECTIONS, docsFrom, LOOKUPS, ORDER_SPEC } from './testing.ts';

describe('checkRepo', () => {
  it('finds nothing in a consistent repo', () => {
    expect(checkRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/l.yaml': LOOKUPS, 'specs/o.yaml': COMPLETE_ORDER_SPEC }))).toEqual([]);
  });

  it('type-checks the mappings too, at the character inside the expression, once per finding', () => {
    const broken = COMPLETE_ORDER_SPEC.replace('    FBillNo: source.OrderNumber\n', '    FBillNo: source.OrderNumbr\n');
    const found = checkRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/l.yaml': LOOKUPS, 'specs/o.yaml': broken }));
    expect(found.map((d) => `${d.code} ${d.range?.start.line}:${d.range?.start.col}`)).toEqual(['SS3103 16:21']);
    // A spec the other checks already found an error in is not type-checked (its findings would repeat or follow from it).
    const incomplete = checkRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/l.yaml': LOOKUPS, 'specs/o.yaml': ORDER_SPEC.replace("lookup('units', 'EA')", "lookup('unit', 'EA')") }));
    expect(incomplete.map((d) => d.code)).toEqual(['SS3003']);
  });

  it('reports every problem at once, from every check', () => {
    const spec = ORDER_SPEC.replace('connection: kingdee-prod', 'connection: kingde-prod')
      .replace('cron: "0 2 * * *"', 'cron: "0 2 * * 8"')
      .replace('overlap: 2m', 'overlap: 9m')
      .replace("lookup('units', 'EA')", "lookup('unitz', 'EA')")
      .replace("filter: source.Status == 'Activated'", 'filter: source.Status ==')
      .replace('expect: { FBillNo:', 'expect: { FBillN:');
    const ds = checkRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/l.yaml': LOOKUPS, 'specs/o.yaml': spec, 'specs/o2.yaml': ORDER_SPEC }));
    expect(ds.map((d) => d.code).sort()).toEqual(['SS3001', 'SS3002', 'SS3003', 'SS3008', 'SS3011', 'SS3016', 'SS3017']);
    expect(brief(ds.filter((d) => d.code === 'SS3001'))).toEqual(['SS3001 specs/o2.yaml:4:9']);
  });

  it('never throws on shapes the schema would have rejected', () => {
    const odd = 'apiVersion: syncspec.dev/v1\nkind: SyncSpec\nmetadata: { name: odd }\nspec:\n  source: 5\n  target: [1]\n  triggers: { poll: 1 }\n  fields: [a]\n  examples: [null, { expect: [] }]\n  sla: { latency: 3 }\n  delivery: { retry: { initial: 5 } }\n';
    const conn = 'apiVersion: syncspec.dev/v1\nkind: Connection\nmetadata: { name: c }\nspec: { system: 7, timezone: 8, auth: null }\n';
    expect(() => checkRepo(docsFrom({ 'specs/odd.yaml': odd, 'specs/c.yaml': conn }))).not.toThrow();
    expect(checkRepo([])).toEqual([]);
  });

  it('uses only registered, documented SS30xx codes', () => {
    for (const [code, info] of Object.entries(semanticCodes)) {
      expect(code).toMatch(/^SS30\d\d$/);
      expect(codeInfo(code)).toBe(info);
      expect(info.title.length).toBeGreaterThan(5);
      expect(info.explanation.length).toBeGreaterThan(80);
    }
  });

  it('turns a defect into SS3099 instead of throwing', () => {
    const [doc] = docsFrom({ 'specs/l.yaml': LOOKUPS });
    if (!doc) throw new Error('no doc');
    const hostile = Object.create(doc, { value: { get: () => { throw new Error('value unavailable'); } } }) as LoadedDocument;
    const ds = checkRepo([hostile]);
    expect(ds.map((d) => d.code)).toEqual(['SS3099']);
    expect(ds[0]?.detail).toContain('value unavailable');
  });

  it('raises every registered code somewhere in the check and catalog sources', () => {
    const dirs = [new URL('./', import.meta.url), new URL('../catalog/', import.meta.url)];
    const sources = dirs
      .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(new URL(f, dir), 'utf8')))
      .join('\n');
    const unused = Object.keys(semanticCodes).filter((code) => !sources.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });
});
