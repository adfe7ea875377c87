/**
 * Hostile names and values through the whole code generator: fast-check builds specs and catalogs whose
 * field names, labels and literal values contain comment terminators, backticks, `${`, quotes, newlines,
 * U+2028, `__proto__`, `constructor`, Chinese and emoji; the generated code must type-check under the
 * project's strict tsconfig (unfiltered) and, when run, produce exactly the values the spec describes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog, FieldDef } from '../compiler/catalog/types.ts';
import { PACKAGE_ROOT } from '../compiler/cli/repo.ts';
import { generateFiles } from '../compiler/emit/generate.ts';
import type { GeneratedFile } from '../compiler/emit/index.ts';
import { createTypeChecker } from '../compiler/emit/verify.ts';
import type { TransformContext, TransformResult } from '../runtime/support/transform.ts';
import { documents, repoOf } from './codegen-fixtures.ts';

const HOSTILE = [
  '*/',
  '/* x */',
  '`tick`',
  '${process.exit(1)}',
  '"dq"',
  "'sq'",
  'line\nbreak',
  'ls\u2028ps\u2029',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '名称',
  '客户编号',
  '🚀',
  'emoji 😀 name',
  'back\\slash',
  '</script>',
  'a.b',
  '[0]',
  'class',
];

const name = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }));
const value = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 12 }));
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const celIdent = (n: string): boolean => /^[_a-zA-Z][_a-zA-Z0-9]*$/.test(n) && !CEL_RESERVED.has(n);
/** A CEL string literal: JSON's escapes are all valid CEL escapes. */
const celString = (s: string): string => JSON.stringify(s);

interface Field {
  name: string;
  literal: string;
  input: string | null;
  how: 'read' | 'literal' | 'default';
}

const fieldsArb = fc
  .uniqueArray(fc.record({ name, literal: value, input: fc.option(value, { nil: null }), how: fc.constantFrom('read', 'literal', 'default') }), {
    minLength: 1,
    maxLength: 6,
    selector: (f) => f.name,
  })
  .map((fs) => fs as Field[]);

const caseArb = fc.record({ top: fieldsArb, rows: fieldsArb, label: value, rowCount: fc.integer({ min: 0, max: 3 }) });
type Case = { top: Field[]; rows: Field[]; label: string; rowCount: number };

function expression(f: Field, scope: 'source' | 'item'): string | { expr: string; default: string } {
  if (f.how === 'literal' || !celIdent(f.name)) return celString(f.literal);
  if (f.how === 'read') return `${scope}.${f.name}.orValue(${celString(f.literal)})`;
  return { expr: `${scope}.${f.name}`, default: f.literal };
}

const expectedValue = (f: Field, row: Record<string, unknown> | undefined): string => {
  if (f.how === 'literal' || !celIdent(f.name)) return f.literal;
  const v = row?.[f.name];
  return typeof v === 'string' ? v : f.literal;
};

function stringFields(fs: Field[], label: string): Record<string, FieldDef> {
  const out: Record<string, FieldDef> = Object.create(null) as Record<string, FieldDef>;
  for (const f of fs) Object.defineProperty(out, f.name, { value: { type: 'string', nullable: true, label, description: `${label} */ ${f.literal}` }, enumerable: true, writable: true, configurable: true });
  return out;
}

function catalogs(c: Case): Record<string, Catalog> {
  const src = { ...{ Items: { type: 'list', entity: 'Item' } as FieldDef } };
  const srcFields = stringFields(c.top, c.label);
  Object.defineProperty(srcFields, 'Items', { value: src.Items, enumerable: true, writable: true, configurable: true });
  const dstFields = stringFields(c.top, c.label);
  Object.defineProperty(dstFields, 'Rows', { value: { type: 'list', entity: 'Row', label: c.label }, enumerable: true, writable: true, configurable: true });
  return {
    crm: { system: 'crm', entities: { Src: { keys: [], label: c.label, description: c.label, fields: srcFields }, Item: { keys: [], child: true, fields: stringFields(c.rows, c.label) } } },
    erp: { system: 'erp', entities: { Dst: { keys: [], label: c.label, fields: dstFields }, Row: { keys: [], child: true, label: c.label, fields: stringFields(c.rows, c.label) } } },
  };
}

function inputOf(c: Case): Record<string, unknown> {
  const row = (fs: Field[]) => Object.fromEntries(fs.filter((f) => f.name !== 'Items').map((f) => [f.name, f.input]));
  const input = JSON.parse(JSON.stringify(Object.entries(row(c.top)))) as [string, unknown][];
  const out: Record<string, unknown> = {};
  for (const [k, v] of input) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, 'Items', { value: Array.from({ length: c.rowCount }, () => objectOf(c.rows)), enumerable: true, writable: true, configurable: true });
  return out;
}
function objectOf(fs: Field[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fs) Object.defineProperty(o, f.name, { value: f.input, enumerable: true, writable: true, configurable: true });
  return o;
}

function specYaml(c: Case, specName: string): string {
  const fields: Record<string, unknown> = {};
  const put = (o: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const f of c.top) if (f.name !== 'Rows') put(fields, f.name, expression(f, 'source'));
  const rowFields: Record<string, unknown> = {};
  for (const f of c.rows) put(rowFields, f.name, expression(f, 'item'));
  put(fields, 'Rows', { each: 'source.Items', fields: rowFields });
  return stringify({
    apiVersion: 'syncspec.dev/v1',
    kind: 'SyncSpec',
    metadata: { name: specName },
    spec: {
      version: '1.0.0',
      owner: 'team@example.com',
      description: c.label,
      source: { connection: 'crm-prod', entity: 'Src', key: 'Id' },
      target: { connection: 'erp-prod', entity: 'Dst', key: 'Id' },
      triggers: [{ poll: { every: '5m' } }],
      filter: `${celString(c.label)} == ${celString(c.label)}`,
      fields,
    },
  });
}

const CONNECTIONS = `apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: crm-prod }
spec: { system: crm, url: "https://crm.example.com", auth: {} }
---
apiVersion: syncspec.dev/v1
kind: Connection
metadata: { name: erp-prod }
spec: { system: erp, url: "https://erp.example.com", auth: {} }
`;

const ctx: TransformContext = { lookup: () => undefined, ref: () => undefined };
const scratch = join(PACKAGE_ROOT, '.cache', `codegen-hostile-${process.pid}`);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const check = createTypeChecker(PACKAGE_ROOT);

function write(dir: string, files: readonly GeneratedFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
}

type Module = { filter(s: unknown, c: TransformContext): boolean; transform(s: unknown, c: TransformContext): TransformResult<Record<string, unknown>> };

let run = 0;
describe('hostile names and values', () => {
  it('generate safe, strictly type-checked code that computes what the spec says', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const dir = join(scratch, `run${run++}`);
        const docs = documents({ 'specs/conn.yaml': CONNECTIONS, 'specs/hostile.yaml': specYaml(c, 'hostile') });
        const out = generateFiles(docs, repoOf(docs, catalogs(c)));
        expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const diags = check(out.files, { outDir: dir });
        expect(diags.map((d) => `${d.range?.file}:${d.range?.start.line}: ${d.detail}`)).toEqual([]);
        write(dir, out.files);
        const mod = (await import(pathToFileURL(join(dir, 'hostile', 'transform.ts')).href)) as Module;
        const input = inputOf(c);
        expect(mod.filter(input, ctx)).toBe(true);
        const result = mod.transform(input, ctx);
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        const value = result.value;
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        for (const f of c.top) if (f.name !== 'Rows') expect(Object.getOwnPropertyDescriptor(value, f.name)?.value, f.name).toBe(expectedValue(f, input));
        const rows = Object.getOwnPropertyDescriptor(value, 'Rows')?.value as Record<string, unknown>[];
        expect(rows).toHaveLength(c.rowCount);
        const items = input.Items as Record<string, unknown>[];
        rows.forEach((r, i) => {
          for (const f of c.rows) expect(Object.getOwnPropertyDescriptor(r, f.name)?.value).toBe(expectedValue(f, items[i]));
        });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 12, seed: 20261126 },
    );
  }, 120_000);
});

describe('prototype pollution', () => {
  it('a __proto__ key in input data stays data and never reaches a prototype', async () => {
    const c: Case = {
      top: [
        { name: '__proto__', literal: 'fallback', input: null, how: 'read' },
        { name: 'constructor', literal: 'c', input: null, how: 'read' },
        { name: 'Name', literal: 'n', input: 'x', how: 'read' },
      ],
      rows: [{ name: '__proto__', literal: 'r', input: null, how: 'read' }],
      label: 'l',
      rowCount: 0,
    };
    const dir = join(scratch, 'proto');
    const docs = documents({ 'specs/conn.yaml': CONNECTIONS, 'specs/hostile.yaml': specYaml(c, 'hostile') });
    const out = generateFiles(docs, repoOf(docs, catalogs(c)));
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(check(out.files, { outDir: dir })).toEqual([]);
    write(dir, out.files);
    const mod = (await import(pathToFileURL(join(dir, 'hostile', 'transform.ts')).href)) as Module;
    // JSON.parse makes `__proto__` an own property, exactly as a webhook body arrives.
    const input = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "Name": "x", "Items": [{"__proto__": {"polluted": "row"}}]}') as Record<string, unknown>;
    const result = mod.transform(input, ctx);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // A record where a string is expected is a field error, reported with its path, not a crash.
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['Rows[0].__proto__', '__proto__', 'constructor']);
    const clean = mod.transform(JSON.parse('{"__proto__": "p", "constructor": "k", "Name": "x", "Items": []}'), ctx);
    expect(clean.ok).toBe(true);
    if (!clean.ok) return;
    expect(Object.getPrototypeOf(clean.value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(clean.value, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(clean.value, 'constructor')?.value).toBe('k');
  }, 60_000);
});
