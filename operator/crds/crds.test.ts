/**
 * The checked-in CRDs are what `syncspec crds` derives from schemas/, they are structural, the test
 * API server (and so kubectl) accepts them, and they refuse the invalid spec corpus where a CRD can.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { parse, parseAllDocuments } from 'yaml';
import type { CliIO } from '../../cli/io.ts';
import { checkStructural } from '../../test/kube/schema.ts';
import { startKubeServer, type KubeServer } from '../../test/kube/server.ts';
import { renderAll, run, staleFiles } from '../cli/crds.ts';
import { KINDS } from './crds.ts';

const root = join(import.meta.dirname, '../..');
// ajv-formats is CommonJS with a default export that ESM type-checking cannot call directly.
const addFormats = (createRequire(import.meta.url)('ajv-formats') as { default: (ajv: Ajv2020) => void }).default;
const chartCrds = join(root, 'charts/syncspec/crds');

function io(cwd = root): CliIO & { out: string; err: string } {
  const r = { out: '', err: '', cwd, env: {}, isTTY: false, stdout: (t: string) => { r.out += t; }, stderr: (t: string) => { r.err += t; } };
  return r;
}

/** Keywords of JSON Schema that a CRD schema must not carry, found by walking schema nodes (not property names). */
function jsonSchemaOnlyKeywords(node: unknown, at = ''): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const s = node as Record<string, unknown>;
  const found = Object.keys(s).filter((k) => ['$ref', '$defs', '$schema', '$id', 'examples', 'const', 'propertyNames', 'if', 'then', 'else', 'uniqueItems'].includes(k)).map((k) => `${at}.${k}`);
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) found.push(...jsonSchemaOnlyKeywords(sub, `${at}.properties.${name}`));
  for (const k of ['items', 'additionalProperties', 'not']) found.push(...jsonSchemaOnlyKeywords(s[k], `${at}.${k}`));
  for (const k of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(s[k])) (s[k] as unknown[]).forEach((alt, i) => found.push(...jsonSchemaOnlyKeywords(alt, `${at}.${k}[${i}]`)));
  return found;
}

describe('generated CRDs', () => {
  test('the CRDs checked in under charts/syncspec/crds are up to date', () => {
    const { files, diagnostics } = renderAll(join(root, 'schemas'));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(staleFiles(chartCrds, files), 'run `syncspec crds` and commit charts/syncspec/crds').toEqual([]);
  });

  test('--check names every stale, missing and left-over file (SS6001)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncspec-crds-'));
    try {
      cpSync(chartCrds, dir, { recursive: true });
      writeFileSync(join(dir, 'syncspec.dev_syncspecs.yaml'), 'edited by hand\n');
      rmSync(join(dir, 'syncspec.dev_connections.yaml'));
      writeFileSync(join(dir, 'syncspec.dev_widgets.yaml'), 'old\n');
      const r = io();
      expect(await run(['--check', '--quiet', '--out', dir], r)).toBe(1);
      const lines = r.err.split('\n').filter((l) => l.startsWith('error SS6001'));
      expect(lines.map((l) => l.replace(/^.*\/(syncspec\.dev_\w+\.yaml).*\((.*)\)$/, '$1 $2'))).toEqual([
        'syncspec.dev_connections.yaml missing',
        'syncspec.dev_syncspecs.yaml differs',
        'syncspec.dev_widgets.yaml left over',
      ]);
      const write = io();
      expect(await run(['--quiet', '--out', dir], write)).toBe(0);
      expect(await run(['--check', '--quiet', '--out', dir], io())).toBe(1); // the left-over file stays until deleted
      rmSync(join(dir, 'syncspec.dev_widgets.yaml'));
      expect(await run(['--check', '--quiet', '--out', dir], io())).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing or broken schema is SS6002 and nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncspec-schemas-'));
    try {
      cpSync(join(root, 'schemas'), join(dir, 'schemas'), { recursive: true });
      writeFileSync(join(dir, 'schemas/LookupTable.schema.json'), '{ not json');
      const r = io(dir);
      expect(await run(['--schemas', 'schemas', '--out', 'out'], r)).toBe(1);
      expect(r.err).toMatch(/error SS6002: cannot derive the LookupTable CRD/);
      expect(() => readdirSync(join(dir, 'out'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loosened rules are reported as SS6003 info, naming the field', () => {
    const { diagnostics } = renderAll(join(root, 'schemas'));
    const info = diagnostics.filter((d) => d.code === 'SS6003').map((d) => d.summary);
    expect(info).toContain('SyncSpec .spec.fields.*: alternatives of different types (object, string): any value is kept');
  });

  for (const info of KINDS) {
    test(`${info.kind}: structural, status subresource, printer columns, names`, () => {
      const text = readFileSync(join(chartCrds, `syncspec.dev_${info.plural}.yaml`), 'utf8');
      const crd = parse(text);
      const version = crd.spec.versions[0];
      expect(jsonSchemaOnlyKeywords(version.schema.openAPIV3Schema)).toEqual([]);
      const report = checkStructural(version.schema.openAPIV3Schema, 'spec.versions[0].schema.openAPIV3Schema');
      expect(report).toEqual({ causes: [], unknownFields: [] });
      expect(version.subresources).toEqual({ status: {} });
      const columns = version.additionalPrinterColumns.map((c: { name: string; priority?: number }) => c.name);
      expect(columns[0]).toBe('Ready');
      expect(columns).toEqual(expect.arrayContaining(['Revision', 'Age']));
      if (info.kind === 'SyncSpec') expect(columns.slice(0, 3)).toEqual(['Ready', 'Version', 'Revision']);
      expect(crd.spec.names).toMatchObject({ kind: info.kind, plural: info.plural, shortNames: info.shortNames, categories: ['syncspec-all'] });
      const status = version.schema.openAPIV3Schema.properties.status.properties;
      const own = Object.keys(info.statusFields ?? {});
      expect(Object.keys(status).sort()).toEqual(['bundleHash', 'conditions', 'deadLetters', 'observedGeneration', 'revision', ...own].sort());
      expect(Object.keys(status.conditions.items.properties).sort()).toEqual(['lastTransitionTime', 'message', 'observedGeneration', 'reason', 'status', 'type']);
    });
  }

  test('a oneOf of object shapes becomes one structural object plus a validation-only oneOf', () => {
    const crd = parse(readFileSync(join(chartCrds, 'syncspec.dev_syncspecs.yaml'), 'utf8'));
    const trigger = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.triggers.items;
    expect(trigger.type).toBe('object');
    expect(Object.keys(trigger.properties).sort()).toEqual(['poll', 'queue', 'schedule', 'webhook']);
    expect(trigger.oneOf).toEqual([{ required: ['webhook'] }, { required: ['poll'] }, { required: ['schedule'] }, { required: ['queue'] }]);
  });
});

describe('the CRDs on the test API server', () => {
  let server: KubeServer;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    server = await startKubeServer();
    for (const file of readdirSync(chartCrds).sort()) {
      const crd = parse(readFileSync(join(chartCrds, file), 'utf8'));
      const res = await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldValidation=Strict', crd);
      if (res.status !== 201) throw new Error(`${file} was refused: ${JSON.stringify(res.body)}`);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  test('every spec in specs/ is stored whole, and what comes back still passes its exact JSON Schema', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validators = Object.fromEntries(KINDS.map((k) => [k.kind, ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', `${k.kind}.schema.json`), 'utf8')))]));
    const problems: string[] = [];
    let stored = 0;
    expect((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'specs' } })).status).toBe(201);
    for (const rel of readdirSync(join(root, 'specs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(root, 'specs', rel), 'utf8')).map((d) => d.toJS())) {
        const info = KINDS.find((k) => k.kind === doc?.kind);
        if (!info) continue;
        const res = await post(`/apis/syncspec.dev/v1/namespaces/specs/${info.plural}?fieldValidation=Strict`, doc);
        if (res.status !== 201) { problems.push(`specs/${rel}: ${res.status} ${res.body.message}`); continue; }
        stored++;
        // The read-back object, minus what the API server adds to metadata (uid, resourceVersion, …).
        const { name, labels, annotations } = res.body.metadata;
        const readBack = { ...res.body, metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
        const validate = validators[info.kind];
        if (validate && !validate(readBack)) problems.push(`specs/${rel}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(stored).toBeGreaterThan(0);
  });

  const invalid = join(root, 'test/fixtures/invalid');
  /** What the API server says about each schema-level fixture: the cause field (422) or the unknown field (400). */
  const refused: Record<string, string> = {
    'ss2-bad-enum-delivery-mode.yaml': '422 spec.delivery.mode',
    'ss2-bad-enum-webhook-event.yaml': '422 spec.triggers[0].webhook.events[1]',
    'ss2-chinese-unknown-key.yaml': '400 spec.sla.延迟',
    'ss2-connection-plain-secret.yaml': '422 spec.auth.clientSecret',
    'ss2-connection-unknown-system.yaml': '422 spec.system',
    'ss2-duplicate-events.yaml': '422 spec.triggers[0].webhook.events[2]',
    'ss2-empty-triggers.yaml': '422 spec.triggers',
    'ss2-lookup-entries-list.yaml': '422 spec.entries',
    'ss2-missing-metadata-name.yaml': '422 metadata.name',
    'ss2-missing-required-owner.yaml': '422 spec.owner',
    'ss2-misspelt-triggers.yaml': '400 spec.trigers',
    'ss2-oneof-trigger-bad-poll.yaml': '422 spec.triggers[0].poll.every',
    'ss2-oneof-trigger-misspelt.yaml': '400 spec.triggers[0].webhok',
    'ss2-oneof-trigger-string.yaml': '422 spec.triggers[0]',
    'ss2-oneof-trigger-two-kinds.yaml': '422 spec.triggers[0]',
    'ss2-pattern-duration.yaml': '422 spec.sla.freshness',
    'ss2-pattern-name.yaml': '422 metadata.name',
    'ss2-pattern-version.yaml': '422 spec.version',
    'ss2-range-batch-size.yaml': '422 spec.delivery.batch.size',
    'ss2-unknown-nested-property.yaml': '400 spec.delivery.retry.attemps',
    'ss2-wrong-type-batch-size.yaml': '422 spec.delivery.batch.size',
    'ss2-wrong-type-triggers-map.yaml': '422 spec.triggers',
  };
  /** Beyond a structural schema (SS6003, or formats the server does not check): only the compiler refuses these. */
  const compilerOnly = new Set([
    'ss2-connection-bad-url.yaml',
    'ss2-empty-field-name.yaml',
    'ss2-field-mapping-default-misspelt.yaml',
    'ss2-field-mapping-each-nested.yaml',
    'ss2-field-mapping-number.yaml',
  ]);

  test('every schema-level invalid fixture is accounted for', () => {
    const fixtures = readdirSync(invalid).filter((f) => f.startsWith('ss2-') && f.endsWith('.yaml')).sort();
    expect(fixtures.filter((f) => !(f in refused) && !compilerOnly.has(f)), 'classify new ss2 fixtures in crds.test.ts').toEqual([]);
  });

  test.each(Object.keys(refused))('%s is refused naming the field', async (fixture) => {
    const docs = parseAllDocuments(readFileSync(join(invalid, fixture), 'utf8')).map((d) => d.toJS()).filter((d) => d?.kind);
    const outcomes: string[] = [];
    for (const doc of docs) {
      const info = KINDS.find((k) => k.kind === doc.kind);
      if (!info) continue;
      const res = await post(`/apis/syncspec.dev/v1/namespaces/default/${info.plural}?fieldValidation=Strict&dryRun=All`, doc);
      if (res.status === 422) outcomes.push(...res.body.details.causes.map((c: { field: string }) => `422 ${c.field}`));
      else if (res.status === 400) outcomes.push(`400 ${/unknown field "([^"]+)"/.exec(res.body.message)?.[1]}`);
    }
    expect(outcomes).toEqual([refused[fixture]]);
  });

  test.each([...compilerOnly])('%s passes the API server (the compiler catches it)', async (fixture) => {
    const docs = parseAllDocuments(readFileSync(join(invalid, fixture), 'utf8')).map((d) => d.toJS()).filter((d) => d?.kind);
    for (const doc of docs) {
      const info = KINDS.find((k) => k.kind === doc.kind);
      if (!info) continue;
      expect((await post(`/apis/syncspec.dev/v1/namespaces/default/${info.plural}?fieldValidation=Strict&dryRun=All`, doc)).status).toBe(201);
    }
  });
});
