/** Phase 2 (schema): ajv errors mapped to YAML nodes, alternatives collapsed, the validator cache. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadText } from '../compiler/load/index.ts';
import { SchemaSet, validateDocument } from '../compiler/validate/index.ts';
import { appendInPlace } from '../compiler/validate/schemas.ts';
import { renderPretty } from '../compiler/diagnostics/reporters/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'syncspec-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small schema of our own (as LookupTable) for keywords the real schemas do not use. */
const ownSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['apiVersion', 'kind', 'spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        shape: { oneOf: [{ type: 'string', title: 'text' }, { type: 'string', title: 'code', pattern: '^[A-Z]+$' }] },
        tags: { type: 'array', items: { type: 'string' }, not: { maxItems: 0 } },
        mail: { type: 'string', format: 'email', description: 'Where alerts go.' },
        ratio: { type: 'number', multipleOf: 0.5, exclusiveMaximum: 10 },
        pair: { type: 'object', dependentRequired: { a: ['b'] }, properties: { a: { type: 'string' }, b: { type: 'string' } } },
      },
    },
  },
};

function setWith(schema: object): SchemaSet {
  const dir = mkdtempSync(join(tmp, 's-'));
  writeFileSync(join(dir, 'LookupTable.schema.json'), JSON.stringify(schema));
  return new SchemaSet(dir, join(dir, 'cache'));
}

const head = 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata: { name: t }\nspec:\n';
const check = (body: string, schemas: SchemaSet) => {
  const r = loadText('t.yaml', head + body);
  expect(r.diagnostics).toEqual([]);
  const doc = r.documents[0];
  if (!doc) throw new Error('no document');
  return validateDocument(doc, schemas).map((d) => ({ code: d.code, at: `${d.range?.start.line}:${d.range?.start.col}`, summary: d.summary, suggestion: d.suggestion }));
};

describe('schema diagnostics with a schema of our own', () => {
  const schemas = setWith(ownSchema);
  it('reports an ambiguous oneOf once (SS2010)', () => {
    expect(check('  shape: ABC\n', schemas)).toEqual([{ code: 'SS2010', at: '5:10', summary: '"shape" matches more than one allowed shape (text, code)', suggestion: undefined }]);
  });
  it('reports "not" as a schema rule (SS2013)', () => {
    expect(check('  tags: []\n', schemas).map((d) => [d.code, d.at])).toEqual([['SS2013', '5:9']]);
  });
  it('names formats, multiples, exclusive limits and dependent properties', () => {
    const ds = check('  mail: not-an-address\n  ratio: 10.25\n  pair: { a: x }\n', schemas);
    expect(ds.map((d) => [d.code, d.at])).toEqual([['SS2006', '5:9'], ['SS2007', '6:10'], ['SS2007', '6:10'], ['SS2002', '7:3']]);
    expect(ds[0]?.summary).toBe('"not-an-address" is not a valid email for "mail"');
    expect(ds[3]?.summary).toContain('"b"');
  });
  it('compiles once into the cache and reuses it', () => {
    const dir = mkdtempSync(join(tmp, 'c-'));
    writeFileSync(join(dir, 'LookupTable.schema.json'), JSON.stringify(ownSchema));
    const first = new SchemaSet(dir, join(dir, 'cache'));
    expect('validate' in first.get('LookupTable')).toBe(true);
    const cached = readdirSync(join(dir, 'cache'));
    expect(cached).toHaveLength(1);
    expect(cached[0]).toMatch(/^LookupTable-[0-9a-f]{20}\.cjs$/);
    // A broken cache entry is rebuilt, not trusted.
    writeFileSync(join(dir, 'cache', cached[0] ?? ''), 'this is not javascript');
    const second = new SchemaSet(dir, join(dir, 'cache'));
    expect(check('  shape: ABC\n', second).map((d) => d.code)).toEqual(['SS2010']);
  });
  it('reports a missing or broken schema as SS2014 instead of failing', () => {
    const dir = mkdtempSync(join(tmp, 'm-'));
    mkdirSync(join(dir, 'x'), { recursive: true });
    expect(check('  a: 1\n', new SchemaSet(dir, undefined)).map((d) => [d.code, d.at])).toEqual([['SS2014', '2:7']]);
    writeFileSync(join(dir, 'LookupTable.schema.json'), JSON.stringify({ type: 'object', properties: { a: { type: 'nonsense' } } }));
    const broken = check('  a: 1\n', new SchemaSet(dir, undefined));
    expect(broken.map((d) => d.code)).toEqual(['SS2014']);
  });
});

describe('schema diagnostics with the real schemas', () => {
  const flow = (spec: string) =>
    `apiVersion: syncspec.dev/v1\nkind: SyncSpec\nmetadata:\n  name: f\nspec:\n  version: 1.0.0\n  owner: a@example.com\n  source: { connection: a, entity: b, key: c }\n  target: { connection: d, entity: e, key: f }\n${spec}`;
  const real = new SchemaSet();
  const run = (text: string) => {
    const doc = loadText('f.yaml', text).documents[0];
    if (!doc) throw new Error('no document');
    return validateDocument(doc, real);
  };
  it('suggests the closest unused property and enum value', () => {
    const ds = run(flow('  trigers:\n    - poll: { every: 5m }\n  fields: { A: source.a }\n  delivery: { mode: mirorr }\n'));
    expect(ds.map((d) => [d.code, d.range?.start.line, d.range?.start.col, d.suggestion])).toEqual([
      ['SS2001', 10, 3, 'triggers'],
      ['SS2004', 13, 21, 'mirror'],
    ]);
  });
  it('does not suggest a property that is already used', () => {
    const ds = run(flow('  triggers:\n    - poll: { every: 5m }\n  trigers: []\n  fields: { A: source.a }\n'));
    expect(ds.map((d) => [d.code, d.suggestion])).toEqual([['SS2001', undefined]]);
  });
  it('collapses a trigger with the wrong inner shape to the chosen branch only', () => {
    const ds = run(flow('  triggers:\n    - schedule: { cron: "0 2 * * *", mode: reconcilee }\n  fields: { A: source.a }\n'));
    expect(ds.map((d) => [d.code, d.range?.start.line, d.range?.start.col, d.suggestion])).toEqual([['SS2004', 11, 44, 'reconcile']]);
  });
  it('never quotes a value under a credential key', () => {
    const conn = 'apiVersion: syncspec.dev/v1\nkind: Connection\nmetadata: { name: c }\nspec:\n  system: salesforce\n  url: https://a.example.com\n  auth:\n    method: oauth2-client-credentials\n    clientId: { env: CLIENT_ID }\n    clientSecret: { env: "hunter2 !" }\n';
    const ds = run(conn);
    expect(ds.map((d) => d.code)).toEqual(['SS2005']);
    expect(JSON.stringify(ds)).not.toContain('hunter2');
    const shown = renderPretty(ds, { color: false, sources: new Map([['f.yaml', conn]]) });
    expect(shown).toContain('clientSecret: { env: *********** }');
    expect(shown).not.toContain('hunter2');
  });

  it('reports a field mapping of the wrong type once with the shapes it could take', () => {
    const ds = run(flow('  triggers:\n    - poll: { every: 5m }\n  fields:\n    A: true\n'));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'SS2003', summary: '"A" must be string or object, not boolean' });
    expect(ds[0]?.detail).toContain('expression (string), expression with default (object), child collection (object)');
  });
  it('points at the nested field of a child collection', () => {
    const ds = run(flow('  triggers:\n    - poll: { every: 5m }\n  fields:\n    Lines:\n      each: source.Items\n      fields:\n        Qty: { expr: item.q, defualt: 0 }\n'));
    expect(ds.map((d) => [d.code, d.range?.start.line, d.range?.start.col, d.suggestion])).toEqual([['SS2001', 16, 30, 'default']]);
  });
});

describe('cached validators', () => {
  it('rewrite only the error-append statement, and report exactly what ajv reports', () => {
    expect(appendInPlace('"use strict";x = 1;')).toBe('"use strict";x = 1;');
    const rewritten = appendInPlace('"use strict";if(!v(d)){vErrors = vErrors === null ? validate7.errors : vErrors.concat(validate7.errors);}');
    expect(rewritten).toContain('appendErrors(vErrors, validate7.errors)');
    expect(rewritten).not.toContain('.concat(');

    const dir = mkdtempSync(join(tmp, 'p-'));
    copyFileSync(join(import.meta.dirname, '../schemas/SyncSpec.schema.json'), join(dir, 'SyncSpec.schema.json'));
    new SchemaSet(dir, join(dir, 'cache')).get('SyncSpec');
    const fromCache = new SchemaSet(dir, join(dir, 'cache')).get('SyncSpec');
    if (!('validate' in fromCache)) throw new Error(fromCache.problem);
    expect(readFileSync(join(dir, 'cache', readdirSync(join(dir, 'cache'))[0] ?? ''), 'utf8')).toContain('appendErrors(');

    const require = createRequire(import.meta.url);
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: unknown): ((d: unknown) => boolean) & { errors?: unknown[] | null } } }).default;
    const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
    const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
    addFormats(ajv);
    const reference = ajv.compile(JSON.parse(readFileSync(join(dir, 'SyncSpec.schema.json'), 'utf8')));
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) fields[`F${i}`] = i % 3 === 0 ? true : i % 3 === 1 ? { expr: 'x', defualt: 1 } : { each: 'x', fields: { A: 1, B: { expr: 2 } } };
    const doc = { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', metadata: { name: 'x' }, spec: { version: '1.0.0', owner: 'a', source: { connection: 'a', entity: 'b', key: 'c' }, target: { connection: 'a', entity: 'b', key: 'c' }, triggers: [{ poll: { every: 'x' } }], fields } };
    const shape = (es: unknown[] | null | undefined) => (es ?? []).map((e) => { const { keyword, instancePath, schemaPath, params } = e as Record<string, unknown>; return { keyword, instancePath, schemaPath, params }; });
    expect(reference(doc)).toBe(false);
    expect(fromCache.validate(doc)).toBe(false);
    expect(shape(fromCache.validate.errors)).toEqual(shape(reference.errors));
    expect(shape(reference.errors).length).toBeGreaterThan(200);
  });
});
