/**
 * The typed view (compiler/model.ts) and the schemas (schemas/*.schema.json) must describe the same
 * keys. Each key list below is checked against the TypeScript type by `satisfies` (a missing or
 * extra key fails the type-check) and against the schema at run time.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnectionBody, EntitySchemaBody, LookupTableBody, SpecSourceBody, SyncSpecBody, TriggerSpec } from '../compiler/model.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Node = { [key: string]: unknown };
const load = (kind: string): Node => JSON.parse(readFileSync(join(root, 'schemas', `${kind}.schema.json`), 'utf8')) as Node;

/** The `properties` keys of a node reached by following `path` through `properties` (and `$defs` refs). */
function keysAt(schema: Node, defName: string, path: readonly string[]): string[] {
  const defs = schema['$defs'] as Node;
  let node = defs[defName] as Node;
  for (const key of path) {
    node = (node['properties'] as Node)[key] as Node;
    const ref = node['$ref'];
    if (typeof ref === 'string') node = defs[ref.replace('#/$defs/', '')] as Node;
    if (node['type'] === 'array') node = node['items'] as Node;
    const itemRef = node['$ref'];
    if (typeof itemRef === 'string') node = defs[itemRef.replace('#/$defs/', '')] as Node;
  }
  return Object.keys(node['properties'] as Node).sort();
}

type Keys<T> = Record<keyof T, true>;
type TriggerKind = TriggerSpec extends infer U ? (U extends unknown ? keyof U : never) : never;
type Example = NonNullable<SyncSpecBody['examples']>[number];
type Delivery = NonNullable<SyncSpecBody['delivery']>;
type Sla = NonNullable<SyncSpecBody['sla']>;

const syncSpec = { version: true, owner: true, description: true, suspend: true, source: true, target: true, triggers: true, filter: true, fields: true, sla: true, delivery: true, examples: true } satisfies Keys<SyncSpecBody>;
const endpoint = { connection: true, entity: true, key: true } satisfies Keys<SyncSpecBody['source']>;
const example = { name: true, input: true, refs: true, expect: true, expectErrors: true, expectFiltered: true } satisfies Keys<Example>;
const delivery = { mode: true, batch: true, retry: true, deadLetter: true } satisfies Keys<Delivery>;
const sla = { latency: true, freshness: true, errorRate: true } satisfies Keys<Sla>;
const triggerKinds = { webhook: true, poll: true, schedule: true, queue: true } satisfies Record<TriggerKind, true>;
const connection = { system: true, url: true, timezone: true, auth: true, rateLimit: true, webhook: true, options: true } satisfies Keys<ConnectionBody>;
const lookupTable = { description: true, keyType: true, valueType: true, entries: true, default: true } satisfies Keys<LookupTableBody>;
const entitySchema = { system: true, entity: true, label: true, description: true, keys: true, cursor: true, fields: true } satisfies Keys<EntitySchemaBody>;
const specSource = { url: true, sourceRef: true, ref: true, path: true, interval: true, secretRef: true, suspend: true } satisfies Keys<SpecSourceBody>;

const sorted = (o: object): string[] => Object.keys(o).sort();

describe('schemas and compiler/model.ts describe the same keys', () => {
  it('SyncSpec', () => {
    const schema = load('SyncSpec');
    expect(keysAt(schema, 'syncSpecSpec', [])).toEqual(sorted(syncSpec));
    expect(keysAt(schema, 'syncSpecSpec', ['source'])).toEqual(sorted(endpoint));
    expect(keysAt(schema, 'syncSpecSpec', ['target'])).toEqual(sorted(endpoint));
    expect(keysAt(schema, 'syncSpecSpec', ['examples'])).toEqual(sorted(example));
    expect(keysAt(schema, 'syncSpecSpec', ['delivery'])).toEqual(sorted(delivery));
    expect(keysAt(schema, 'syncSpecSpec', ['sla'])).toEqual(sorted(sla));
    const trigger = (schema['$defs'] as Node)['trigger'] as Node;
    const kinds = (trigger['oneOf'] as Node[]).flatMap((branch) => Object.keys(branch['properties'] as Node)).sort();
    expect(kinds).toEqual(sorted(triggerKinds));
  });

  it('Connection, LookupTable, EntitySchema, SpecSource', () => {
    expect(keysAt(load('Connection'), 'connectionSpec', [])).toEqual(sorted(connection));
    expect(keysAt(load('LookupTable'), 'lookupTableSpec', [])).toEqual(sorted(lookupTable));
    expect(keysAt(load('EntitySchema'), 'entitySchemaSpec', [])).toEqual(sorted(entitySchema));
    expect(keysAt(load('SpecSource'), 'specSourceSpec', [])).toEqual(sorted(specSource));
  });
});
