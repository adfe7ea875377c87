/**
 * Entity catalogs and connector capabilities, read from `connectors/<system>/catalog.json` and
 * `capabilities.json`, plus the custom fields and objects that `EntitySchema` documents add.
 *
 * This is on the path of `syncspec validate`, so it stays cheap: each file is read and parsed once per
 * process, only for the systems a repo actually names, and never validated here — the test suite
 * validates every catalog against `schemas/catalog.schema.json` with ajv.
 */
import { readFileSync } from 'node:fs';
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { EntitySchemaBody, LoadedDocument } from '../model.ts';
import type { Catalog, EntityDef, FieldDef } from './types.ts';

export type TriggerKind = 'webhook' | 'poll' | 'schedule' | 'queue';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['webhook', 'poll', 'schedule', 'queue'];

/** What a system's connector can offer (`schemas/capabilities.schema.json`). */
export interface Capabilities {
  system: string;
  triggers: TriggerKind[];
  webhookEvents?: ('created' | 'updated' | 'deleted')[];
  pushMechanism?: string;
  maxWriteBatch?: number;
  notes?: string;
}

const CONNECTORS_DIR = new URL('../../connectors/', import.meta.url);
const SYSTEM_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function catalogUrl(system: string): URL {
  return new URL(`${system}/catalog.json`, CONNECTORS_DIR);
}

export function capabilitiesUrl(system: string): URL {
  return new URL(`${system}/capabilities.json`, CONNECTORS_DIR);
}

const catalogCache = new Map<string, Catalog | undefined>();
const capabilitiesCache = new Map<string, Capabilities | undefined>();

/** Reads a connector data file once; a system without the file (or a malformed name) has none. */
function readJson<T>(cache: Map<string, T | undefined>, system: string, url: (s: string) => URL): T | undefined {
  if (cache.has(system)) return cache.get(system);
  let value: T | undefined;
  if (SYSTEM_NAME.test(system)) {
    try {
      value = JSON.parse(readFileSync(url(system), 'utf8')) as T;
    } catch (e) {
      // A missing file means "no such system"; a present but broken file is a build defect the catalog tests catch.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  cache.set(system, value);
  return value;
}

/** The shipped catalog of `system`, without any EntitySchema additions. Shared: never mutate it. */
export function baseCatalog(system: string): Catalog | undefined {
  return readJson(catalogCache, system, catalogUrl);
}

export function capabilitiesFor(system: string): Capabilities | undefined {
  return readJson(capabilitiesCache, system, capabilitiesUrl);
}

/** Catalogs of one repo: the shipped ones with that repo's EntitySchema documents merged in. */
export interface CatalogSet {
  catalogFor(system: string): Catalog | undefined;
  /** Problems in EntitySchema documents (SS3018–SS3021), located in their files. */
  diagnostics: Diagnostic[];
}

/**
 * Merges every `EntitySchema` document of `docs` into the catalog of its system. Fields are added, never
 * redefined; an entity missing from the catalog is a custom object and needs `keys`. Documents are applied in
 * file order so the diagnostics are deterministic.
 */
export function buildCatalogs(docs: readonly LoadedDocument[]): CatalogSet {
  const merged = new Map<string, Catalog>();
  const diagnostics: Diagnostic[] = [];
  const schemaDocs = docs
    .filter((d) => d.kind === 'EntitySchema')
    .sort((a, b) => (a.file === b.file ? a.index - b.index : a.file < b.file ? -1 : 1));
  for (const doc of schemaDocs) {
    const body = specOf(doc);
    if (!body) continue;
    const base = merged.get(body.system) ?? baseCatalog(body.system);
    if (!base) continue; // the schema's enum of systems already reports an unknown system
    const catalog = merged.get(body.system) ?? copyCatalog(base);
    merged.set(body.system, catalog);
    applyEntitySchema(catalog, doc, body, diagnostics);
  }
  return {
    catalogFor: (system) => merged.get(system) ?? baseCatalog(system),
    diagnostics,
  };
}

/** `catalogFor(system)`: the shipped catalog, or with `docs`, the catalog as that repo's EntitySchemas extend it. */
export function catalogFor(system: string, docs: readonly LoadedDocument[] = []): Catalog | undefined {
  return docs.length === 0 ? baseCatalog(system) : buildCatalogs(docs).catalogFor(system);
}

function specOf(doc: LoadedDocument): EntitySchemaBody | undefined {
  const spec = (doc.value as { spec?: unknown } | null)?.spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const body = spec as Partial<EntitySchemaBody>;
  if (typeof body.system !== 'string' || typeof body.entity !== 'string') return undefined;
  if (typeof body.fields !== 'object' || body.fields === null) return undefined;
  return body as EntitySchemaBody;
}

/** Copies down to the entity level, so merging never touches the shared base catalog. */
function copyCatalog(c: Catalog): Catalog {
  return { ...c, entities: { ...c.entities } };
}

function applyEntitySchema(catalog: Catalog, doc: LoadedDocument, body: EntitySchemaBody, out: Diagnostic[]): void {
  const existing = catalog.entities[body.entity];
  const entityPath = ['spec', 'entity'];
  let entity: EntityDef;
  if (existing) {
    entity = { ...existing, fields: { ...existing.fields }, keys: [...existing.keys] };
  } else {
    if (!body.keys || body.keys.length === 0) {
      const suggestion = closest(body.entity, Object.keys(catalog.entities));
      out.push({
        code: 'SS3018',
        severity: 'error',
        summary: `Entity "${body.entity}" is not in the ${catalog.system} catalog`,
        detail: suggestion
          ? `Did you mean "${suggestion}"? To declare a custom object instead, give its business \`keys\`.`
          : `To declare a custom object, give its business \`keys\`; otherwise use one of the catalog's entities.`,
        range: doc.locate(entityPath),
        ...(suggestion ? { suggestion } : {}),
      });
      return;
    }
    entity = {
      keys: [],
      fields: {},
      ...(body.label !== undefined ? { label: body.label } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.cursor !== undefined ? { cursor: body.cursor } : {}),
    };
  }
  for (const name of Object.keys(body.fields).sort()) {
    const field = body.fields[name] as FieldDef;
    if (Object.hasOwn(entity.fields, name)) {
      out.push({
        code: 'SS3019',
        severity: 'error',
        summary: `Field "${name}" is already defined on ${catalog.system} ${body.entity}`,
        detail: 'EntitySchema documents add fields; they never redefine a catalog field or one another EntitySchema added. Remove this definition or rename the field.',
        range: doc.locate(['spec', 'fields', name], 'key'),
      });
      continue;
    }
    entity.fields[name] = field;
  }
  for (const [i, key] of (body.keys ?? []).entries()) {
    if (!Object.hasOwn(entity.fields, key)) {
      out.push(unknownFieldOf('SS3020', `Key "${key}" is not a field of ${body.entity}`, key, entity, doc.locate(['spec', 'keys', i])));
    } else if (!entity.keys.includes(key)) {
      entity.keys.push(key);
    }
  }
  if (body.cursor !== undefined && !Object.hasOwn(entity.fields, body.cursor)) {
    out.push(unknownFieldOf('SS3020', `Cursor "${body.cursor}" is not a field of ${body.entity}`, body.cursor, entity, doc.locate(['spec', 'cursor'])));
  }
  for (const name of Object.keys(body.fields).sort()) {
    const field = body.fields[name] as FieldDef;
    if ((field.type === 'reference' || field.type === 'record' || field.type === 'list') && !catalog.entities[field.entity] && field.entity !== body.entity) {
      const suggestion = closest(field.entity, Object.keys(catalog.entities));
      out.push({
        code: 'SS3021',
        severity: 'error',
        summary: `Field "${name}" refers to entity "${field.entity}", which is not in the ${catalog.system} catalog`,
        detail: suggestion ? `Did you mean "${suggestion}"?` : 'Declare that entity with its own EntitySchema, or refer to a catalog entity.',
        range: doc.locate(['spec', 'fields', name, 'entity']),
        ...(suggestion ? { suggestion } : {}),
      });
    }
  }
  catalog.entities[body.entity] = entity;
}

function unknownFieldOf(code: string, summary: string, given: string, entity: EntityDef, range: Diagnostic['range']): Diagnostic {
  const suggestion = closest(given, Object.keys(entity.fields));
  return {
    code,
    severity: 'error',
    summary,
    detail: suggestion ? `Did you mean "${suggestion}"?` : 'Name one of the entity\'s fields.',
    ...(range ? { range } : {}),
    ...(suggestion ? { suggestion } : {}),
  };
}
