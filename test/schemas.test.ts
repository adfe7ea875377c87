/**
 * The kind schemas in schemas/ are the single source of truth for ajv, the editor, the reference docs
 * and the CRDs. These tests hold them to that: they compile under ajv strict mode, every property is
 * documented, every file of the example repository validates, and what they promise (secrets only by
 * reference, one trigger kind per item, duration and percentage syntax) holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KINDS, SYSTEMS } from '../compiler/model.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Node = { [key: string]: unknown };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const schemas = Object.fromEntries(KINDS.map((kind) => [kind, JSON.parse(readFileSync(join(root, 'schemas', `${kind}.schema.json`), 'utf8')) as Node]));

// ajv-formats is CommonJS; its default export arrives as the module object under Node's ESM loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validators = Object.fromEntries(KINDS.map((kind) => [kind, ajv.compile(schemas[kind] as Node)])) as Record<string, ValidateFunction>;

function validate(kind: string, doc: unknown): ErrorObject[] {
  const check = validators[kind];
  if (!check) throw new Error(`no schema for ${kind}`);
  return check(doc) ? [] : [...(check.errors ?? [])];
}

/** Every schema node that documents a property (a `properties` value or a map's value schema), with its JSON pointer. */
function documentedNodes(node: unknown, pointer: string, out: { pointer: string; node: Node }[]): void {
  if (Array.isArray(node)) node.forEach((x, i) => documentedNodes(x, `${pointer}/${i}`, out));
  if (!isNode(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' || key === 'default' || key === 'const' || key === 'enum') continue;
    // `if`/`not` hold tests on values (`system: { const: salesforce }`), not property declarations.
    if (key === 'if' || key === 'not') continue;
    if (key === 'properties' && isNode(value)) {
      for (const [name, sub] of Object.entries(value)) if (isNode(sub)) out.push({ pointer: `${pointer}/properties/${name}`, node: sub });
    }
    if (key === 'additionalProperties' && isNode(value)) out.push({ pointer: `${pointer}/additionalProperties`, node: value });
    documentedNodes(value, `${pointer}/${key}`, out);
  }
}

function resolveRef(schema: Node, node: Node): Node {
  const ref = node['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
  const defs = schema['$defs'];
  const target = isNode(defs) ? defs[ref.slice('#/$defs/'.length)] : undefined;
  return isNode(target) ? target : node;
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walkFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

const specFiles = walkFiles(join(root, 'specs')).filter((f) => /\.ya?ml$/.test(f));

describe('kind schemas', () => {
  it.each(KINDS)('%s is a draft 2020-12 Kubernetes-object schema', (kind) => {
    const schema = schemas[kind] as Node;
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['required']).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata']));
    const props = schema['properties'] as Node;
    expect(props['apiVersion']).toMatchObject({ const: 'syncspec.dev/v1' });
    expect(props['kind']).toMatchObject({ const: kind });
    expect(Object.keys(props).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });

  it.each(KINDS)('%s documents every property (the editor shows it on hover; the reference docs are generated from it)', (kind) => {
    const schema = schemas[kind] as Node;
    const nodes: { pointer: string; node: Node }[] = [];
    documentedNodes(schema, '#', nodes);
    expect(nodes.length).toBeGreaterThan(10);
    const undocumented = nodes.filter(({ node }) => {
      const own = node['description'];
      const target = resolveRef(schema, node)['description'];
      return !(typeof own === 'string' && own.trim()) && !(typeof target === 'string' && target.trim());
    });
    expect(undocumented.map((n) => n.pointer)).toEqual([]);
  });

  it('offer exactly the systems of compiler/model.ts', () => {
    const connectionSpec = ((schemas['Connection'] as Node)['$defs'] as Node)['connectionSpec'] as Node;
    const entitySchemaSpec = ((schemas['EntitySchema'] as Node)['$defs'] as Node)['entitySchemaSpec'] as Node;
    expect(((connectionSpec['properties'] as Node)['system'] as Node)['enum']).toEqual([...SYSTEMS]);
    expect(((entitySchemaSpec['properties'] as Node)['system'] as Node)['enum']).toEqual([...SYSTEMS]);
    // Every system has its auth alternatives.
    const conditions = (connectionSpec['allOf'] as Node[]).map((part) => (((part['if'] as Node)['properties'] as Node)['system'] as Node)['const']);
    expect(conditions).toEqual([...SYSTEMS]);
  });

  it('keep their shared definitions identical (each kind schema is self-contained, so they are copies)', () => {
    for (const shared of ['metadata', 'status', 'condition']) {
      const copies = KINDS.map((kind) => JSON.stringify(((schemas[kind] as Node)['$defs'] as Node)[shared]));
      expect(new Set(copies).size, shared).toBe(1);
    }
  });

  it('use only patterns a Kubernetes API server (Go RE2) also accepts, so they carry over into CRDs', () => {
    const patterns: string[] = [];
    const collect = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(collect);
      else if (isNode(n)) for (const [k, v] of Object.entries(n)) k === 'pattern' && typeof v === 'string' ? patterns.push(v) : collect(v);
    };
    KINDS.forEach((kind) => collect(schemas[kind]));
    expect(patterns.length).toBeGreaterThan(10);
    const re2Unsupported = /\(\?[=!<]|\\[1-9]|\\k</;
    expect(patterns.filter((p) => re2Unsupported.test(p))).toEqual([]);
  });

  it('refuse a credential written as a plain string, pointing at the field', () => {
    const errors = validate('Connection', {
      apiVersion: 'syncspec.dev/v1',
      kind: 'Connection',
      metadata: { name: 'kd' },
      spec: { system: 'kingdee-k3cloud', url: 'https://erp.example.cn/k3cloud', auth: { method: 'password', acctId: 'a', username: 'u', password: 'hunter2' } },
    });
    expect(errors.some((e) => e.instancePath === '/spec/auth/password' && e.keyword === 'type')).toBe(true);
    const ok = validate('Connection', {
      apiVersion: 'syncspec.dev/v1',
      kind: 'Connection',
      metadata: { name: 'kd' },
      spec: { system: 'kingdee-k3cloud', url: 'https://erp.example.cn/k3cloud', auth: { method: 'password', acctId: 'a', username: 'u', password: { secretKeyRef: { name: 'kd', key: 'password' } } } },
    });
    expect(ok).toEqual([]);
  });

  it('accept only the auth methods of the connection’s system', () => {
    const errors = validate('Connection', {
      apiVersion: 'syncspec.dev/v1',
      kind: 'Connection',
      metadata: { name: 'jdy' },
      spec: { system: 'jiandaoyun', url: 'https://api.jiandaoyun.com/api', auth: { method: 'password', username: 'u', password: { env: 'P' } } },
    });
    expect(errors.some((e) => e.instancePath === '/spec/auth/method' && e.keyword === 'const' && e.params['allowedValue'] === 'api-key')).toBe(true);
  });

  it('let a validator tell which trigger kind an item meant', () => {
    const spec = (triggers: unknown[]): unknown => ({
      apiVersion: 'syncspec.dev/v1',
      kind: 'SyncSpec',
      metadata: { name: 'a-to-b' },
      spec: { version: '1.0.0', owner: 'o', source: { connection: 'a', entity: 'A', key: 'Id' }, target: { connection: 'b', entity: 'B', key: 'K' }, triggers, fields: { K: 'source.Id' } },
    });
    expect(validate('SyncSpec', spec([{ poll: { every: '5m' } }, { schedule: { cron: '0 2 * * *', mode: 'reconcile' } }]))).toEqual([]);
    // Two kinds in one item: the item itself says so (maxProperties), besides the alternatives failing.
    const both = validate('SyncSpec', spec([{ poll: { every: '5m' }, webhook: { events: ['created'] } }]));
    expect(both.some((e) => e.instancePath === '/spec/triggers/0' && e.keyword === 'maxProperties')).toBe(true);
    // Within the branch its key selects, the error points inside that branch.
    const badEvery = validate('SyncSpec', spec([{ poll: { every: 'five minutes' } }]));
    expect(badEvery.some((e) => e.instancePath === '/spec/triggers/0/poll/every' && e.keyword === 'pattern')).toBe(true);
  });
});

describe('duration and percentage syntax', () => {
  const syncSpecDefs = (schemas['SyncSpec'] as Node)['$defs'] as Node;
  const pollEvery = (((((syncSpecDefs['trigger'] as Node)['oneOf'] as Node[])[1] as Node)['properties'] as Node)['poll'] as Node)['properties'] as Node;
  const durationPattern = new RegExp((pollEvery['every'] as Node)['pattern'] as string, 'u');
  const errorRate = ((((syncSpecDefs['syncSpecSpec'] as Node)['properties'] as Node)['sla'] as Node)['properties'] as Node)['errorRate'] as Node;
  const percentPattern = new RegExp(errorRate['pattern'] as string, 'u');

  /** Reference reading of a duration: units d, h, m, s, ms, each at most once, largest first. */
  function isDuration(text: string): boolean {
    const units = ['d', 'h', 'm', 's', 'ms'];
    let rest = text;
    let next = 0;
    let parts = 0;
    while (rest.length > 0) {
      const m = /^([0-9]+)(ms|d|h|m|s)/.exec(rest);
      if (!m) return false;
      const at = units.indexOf(m[2] ?? '');
      if (at < next) return false;
      next = at + 1;
      parts++;
      rest = rest.slice(m[0].length);
    }
    return parts > 0;
  }

  it('matches every well-formed duration (30s, 5m, 2h, 1d, 1h30m, 250ms …)', () => {
    const part = (unit: string) => fc.option(fc.nat({ max: 10_000 }).map((n) => `${n}${unit}`), { nil: '' });
    fc.assert(
      fc.property(part('d'), part('h'), part('m'), part('s'), part('ms'), (...parts) => {
        const text = parts.join('');
        fc.pre(text !== '');
        expect(durationPattern.test(text) && text.length >= 2).toBe(true);
      }),
    );
  });

  it('agrees with the reference reading on arbitrary text over the duration alphabet', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9dhms]{0,8}$/), (text) => {
        const schemaSays = durationPattern.test(text) && text.length >= 2;
        expect(schemaSays).toBe(isDuration(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts percentages from 0% to 100% with decimals, and nothing else', () => {
    for (const ok of ['0%', '0.5%', '1%', '99.99%', '100%', '100.0%']) expect(percentPattern.test(ok), ok).toBe(true);
    for (const bad of ['0.5', '%', '101%', '100.5%', '-1%', '1 %', '.5%', '1e2%']) expect(percentPattern.test(bad), bad).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (hundredths) => {
        const text = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}%`;
        expect(percentPattern.test(text)).toBe(true);
      }),
    );
  });
});

describe('the example integration repository (specs/)', () => {
  it('has the coverage the rollout needs', () => {
    const kinds = specFiles.map((f) => (/^kind:\s*(\S+)/m.exec(readFileSync(f, 'utf8'))?.[1] ?? ''));
    const count = (k: string): number => kinds.filter((x) => x === k).length;
    expect(count('SyncSpec')).toBeGreaterThanOrEqual(14);
    expect(count('Connection')).toBeGreaterThanOrEqual(7);
    expect(count('LookupTable')).toBeGreaterThanOrEqual(4);
    expect(count('EntitySchema')).toBeGreaterThanOrEqual(1);
  });

  it('gives every flow service levels, delivery settings and two to four worked examples', () => {
    const flows = specFiles
      .map((f) => ({ file: relative(root, f), doc: parseAllDocuments(readFileSync(f, 'utf8')) }))
      .flatMap(({ file, doc }) => (Array.isArray(doc) ? doc : []).map((d) => ({ file, value: d.toJS() as { kind?: string; spec?: { sla?: unknown; delivery?: unknown; examples?: unknown[] } } })))
      .filter(({ value }) => value.kind === 'SyncSpec');
    const lacking = flows
      .filter(({ value }) => !value.spec?.sla || !value.spec.delivery || (value.spec.examples?.length ?? 0) < 2 || (value.spec.examples?.length ?? 0) > 4)
      .map(({ file }) => file);
    expect(lacking).toEqual([]);
  });

  it.each(specFiles.map((f) => relative(root, f)))('%s validates against its kind’s schema and names it in its modeline', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const docs = parseAllDocuments(text, { uniqueKeys: true });
    expect(Array.isArray(docs) ? docs.length : 0).toBeGreaterThan(0);
    for (const doc of Array.isArray(docs) ? docs : []) {
      expect(doc.errors.map(String)).toEqual([]);
      const value = doc.toJS() as { kind?: string };
      const kind = value.kind ?? '';
      expect(KINDS as readonly string[]).toContain(kind);
      const problems = validate(kind, value).map((e) => `${e.instancePath || '/'} ${e.keyword} ${JSON.stringify(e.params)}`);
      expect(problems).toEqual([]);
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text.split('\n')[0] ?? '');
      expect(modeline, 'first line is the yaml-language-server modeline').not.toBeNull();
      expect(resolve(dirname(join(root, file)), modeline?.[1] ?? '')).toBe(join(root, 'schemas', `${kind}.schema.json`));
    }
  });
});
