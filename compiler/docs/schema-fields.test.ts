import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaWalker, type FieldRow, type SchemaNode } from './schema-fields.ts';

const paths = (rows: readonly FieldRow[]): string[] => rows.map((r) => (r.when.length ? `${r.path} [${r.when.join(', ')}]` : r.path));
const row = (rows: readonly FieldRow[], path: string, when: string[] = []): FieldRow => {
  const found = rows.find((r) => r.path === path && r.when.join() === when.join());
  if (!found) throw new Error(`no row ${path} [${when.join()}] in ${paths(rows).join(' | ')}`);
  return found;
};

describe('SchemaWalker', () => {
  it('lists nested properties with required, default, enum, pattern and constraints', () => {
    const schema: SchemaNode = {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          description: 'The body.',
          required: ['every'],
          properties: {
            every: { type: 'string', description: 'Interval.', pattern: '^[0-9]+m$', minLength: 2, examples: ['5m'] },
            mode: { type: 'string', description: 'Mode.', enum: ['a', 'b'], default: 'a' },
            size: { type: 'integer', description: 'Size.', minimum: 1, maximum: 10 },
          },
        },
      },
    };
    const { rows } = SchemaWalker.fields(schema);
    expect(paths(rows)).toEqual(['spec', 'spec.every', 'spec.mode', 'spec.size']);
    expect(row(rows, 'spec.every')).toMatchObject({ type: 'string', required: true, pattern: '^[0-9]+m$', constraints: ['at least 2 characters'], examples: ['5m'] });
    expect(row(rows, 'spec.mode')).toMatchObject({ required: false, enum: ['a', 'b'], default: 'a' });
    expect(row(rows, 'spec.size').constraints).toEqual(['≥ 1', '≤ 10']);
  });

  it('inlines a $def used once, keeping the referring description', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: { meta: { $ref: '#/$defs/meta', description: 'Own words.' } },
      $defs: { meta: { type: 'object', description: 'Def words.', properties: { name: { type: 'string', description: 'Name.' } } } },
    };
    const fields = SchemaWalker.fields(schema);
    expect(paths(fields.rows)).toEqual(['meta', 'meta.name']);
    expect(row(fields.rows, 'meta').description).toBe('Own words.');
    expect(fields.types).toEqual([]);
  });

  it('documents a $def used twice once, as a named type linked from both fields', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: { a: { $ref: '#/$defs/secretRef', description: 'A.' }, b: { type: 'array', description: 'B.', items: { $ref: '#/$defs/secretRef' } } },
      $defs: {
        secretRef: {
          description: 'Where a secret lives.',
          oneOf: [
            { type: 'object', required: ['env'], additionalProperties: false, properties: { env: { type: 'string', description: 'Variable.' } } },
            { type: 'object', required: ['file'], additionalProperties: false, properties: { file: { type: 'string', description: 'Path.' } } },
          ],
        },
      },
    };
    const fields = SchemaWalker.fields(schema);
    expect(paths(fields.rows)).toEqual(['a', 'b']);
    expect(row(fields.rows, 'a')).toMatchObject({ type: 'SecretRef', typeRef: 'SecretRef', description: 'A.' });
    expect(row(fields.rows, 'b')).toMatchObject({ type: 'array of SecretRef', typeRef: 'SecretRef' });
    expect(fields.types).toHaveLength(1);
    const [secretRef] = fields.types;
    expect(secretRef?.name).toBe('SecretRef');
    expect(secretRef?.notes).toEqual(['Exactly one of `env`, `file`.']);
    // Each `{ key: … }` alternative's key is one of several, so none is required on its own.
    expect(secretRef?.rows.map((r) => [r.path, r.required])).toEqual([['env', false], ['file', false]]);
  });

  it('terminates on recursive definitions and names them', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: { fields: { $ref: '#/$defs/mappings' } },
      $defs: {
        mappings: { type: 'object', description: 'Target → mapping.', additionalProperties: { $ref: '#/$defs/mapping' } },
        mapping: {
          description: 'One mapping.',
          oneOf: [
            { type: 'string', description: 'Expression.' },
            { type: 'object', title: 'child collection', required: ['each', 'fields'], additionalProperties: false, properties: { each: { type: 'string', description: 'List.' }, fields: { $ref: '#/$defs/mappings' } } },
          ],
        },
      },
    };
    const fields = SchemaWalker.fields(schema);
    expect(row(fields.rows, 'fields').type).toBe('Mappings');
    expect(fields.types.map((t) => [t.name, t.type])).toEqual([['Mapping', 'string | object'], ['Mappings', 'map of Mapping']]);
    const mapping = fields.types.find((t) => t.name === 'Mapping');
    expect(paths(mapping?.rows ?? [])).toEqual(['each [child collection]', 'fields [child collection]']);
  });

  it('lists each alternative under its condition, once for shared fields, with the selector as one row', () => {
    const schema: SchemaNode = {
      type: 'object',
      required: ['system'],
      properties: { system: { type: 'string', description: 'System.', enum: ['kd', 'sf'] }, auth: { type: 'object', description: 'Auth.' } },
      allOf: [
        {
          if: { type: 'object', required: ['system'], properties: { system: { const: 'kd' } } },
          then: {
            type: 'object',
            properties: {
              auth: {
                type: 'object',
                description: 'Kingdee auth.',
                oneOf: [
                  { type: 'object', description: 'Password login.', required: ['method', 'password'], properties: { method: { type: 'string', const: 'password', description: 'm' }, password: { type: 'string', description: 'Password.' }, lcid: { type: 'integer', description: 'Locale.' } } },
                  { type: 'object', description: 'App login.', required: ['method', 'appSecret'], properties: { method: { type: 'string', const: 'app-secret', description: 'm' }, appSecret: { type: 'string', description: 'Secret.' }, lcid: { type: 'integer', description: 'Locale.' } } },
                ],
              },
            },
          },
        },
      ],
    };
    const { rows } = SchemaWalker.fields(schema);
    expect(paths(rows)).toEqual([
      'system',
      'auth',
      'auth [system = kd]',
      'auth.method [system = kd]',
      'auth.password [system = kd, method = password]',
      'auth.lcid [system = kd]',
      'auth.appSecret [system = kd, method = app-secret]',
    ]);
    const selector = row(rows, 'auth.method', ['system = kd']);
    expect(selector).toMatchObject({ enum: ['password', 'app-secret'], required: true });
    expect(selector.description).toContain('\n- `password` — Password login.\n- `app-secret` — App login.');
  });

  it('turns property-presence alternatives into a note instead of duplicate rows', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          description: 'Body.',
          oneOf: [{ required: ['url'], properties: { url: { description: 'Clone.' } } }, { required: ['ref'], properties: { ref: { description: 'Artifact.' } } }],
          properties: { url: { type: 'string', description: 'URL.' }, ref: { type: 'string', description: 'Ref.' } },
        },
      },
    };
    const { rows } = SchemaWalker.fields(schema);
    expect(paths(rows)).toEqual(['spec', 'spec.url', 'spec.ref']);
    expect(row(rows, 'spec').constraints).toEqual(['Exactly one of `url`, `ref`.']);
  });

  it('describes maps, arrays and unions in the type column', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        labels: { type: 'object', description: 'Labels.', additionalProperties: { type: 'string', description: 'Value.' } },
        events: { type: 'array', description: 'Events.', items: { type: 'string', description: 'Event.', enum: ['created'] } },
        value: { description: 'Scalar.', anyOf: [{ type: 'string' }, { type: 'number' }] },
        fixed: { type: 'string', const: 'v1', description: 'Version.' },
      },
    };
    const { rows } = SchemaWalker.fields(schema);
    expect(rows.map((r) => [r.path, r.type])).toEqual([
      ['labels', 'map of string'],
      ['labels.<key>', 'string'],
      ['events', 'array of string'],
      ['value', 'string | number'],
      ['fixed', '"v1"'],
    ]);
  });
});

describe('SchemaWalker on arbitrary input', () => {
  // Schemas are edited by hand; a malformed one must still render (ajv reports it), never hang or throw.
  const keyword = fc.constantFrom('type', 'properties', 'items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'if', 'then', 'required', '$ref', 'description', 'const', 'enum');
  const schemaLike: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 1 }),
      fc.dictionary(fc.oneof(keyword, fc.string({ maxLength: 4 })), tie('node'), { maxKeys: 4 }),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.record({ $ref: fc.constantFrom('#/$defs/a', '#/$defs/b', '#/$defs/missing', 'other.json') }),
    ),
  })).node;

  it('terminates without throwing, and renders the same rows for the same schema', () => {
    fc.assert(
      fc.property(schemaLike, schemaLike, schemaLike, (body, a, b) => {
        const schema = { ...(typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}), $defs: { a, b } } as SchemaNode;
        const fields = SchemaWalker.fields(schema);
        for (const r of [...fields.rows, ...fields.types.flatMap((t) => t.rows)]) {
          expect(typeof r.path).toBe('string');
          expect(typeof r.type).toBe('string');
        }
        // Same input, same output: the docs are committed and diffed.
        expect(SchemaWalker.fields(schema)).toEqual(fields);
      }),
      { numRuns: 300 },
    );
  });
});
