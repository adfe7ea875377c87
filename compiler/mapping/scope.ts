/** Builds the CEL scope one SyncSpec's expressions are checked in: source record, lookups, refs, zone. */
import type { Catalog, EntityDef, FieldDef } from '../catalog/types.ts';
import type { CelScope, CelType, LookupInfo, RefInfo, TypedValue } from '../cel/api.ts';
import type { LookupTableBody } from '../model.ts';
import type { MappingRepo, ResolvedEndpoint } from './types.ts';

/** The CEL type of a catalog field's value (what the checker sees when the field is read). */
export function celTypeOf(def: FieldDef): CelType {
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'reference':
      return { kind: 'string' };
    case 'integer':
      return { kind: 'int' };
    case 'decimal':
      return { kind: 'decimal' };
    case 'double':
      return { kind: 'double' };
    case 'boolean':
      return { kind: 'bool' };
    case 'date':
      return { kind: 'date' };
    case 'datetime':
      return { kind: 'timestamp' };
    case 'record':
      return { kind: 'record', entity: def.entity };
    case 'list':
      return { kind: 'list', elem: { kind: 'record', entity: def.entity } };
  }
}

export function lookupInfo(table: LookupTableBody): LookupInfo {
  return {
    keyType: table.keyType === 'integer' ? 'int' : 'string',
    valueType: table.valueType === 'integer' ? 'int' : table.valueType === 'decimal' ? 'decimal' : 'string',
    keys: Object.keys(table.entries).sort(),
    hasDefault: table.default !== undefined,
  };
}

/** `ref(spec, id)` is called with the referenced spec's source key, so its type comes from that catalog. */
function refInfos(repo: MappingRepo): Record<string, RefInfo> {
  const refs: Record<string, RefInfo> = Object.create(null) as Record<string, RefInfo>;
  for (const [name, spec] of [...repo.specs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const endpoint = resolveEndpoint(repo, spec.source);
    const keyDef = endpoint?.entity.fields[spec.source.key];
    refs[name] = { sourceKeyType: keyDef ? celTypeOf(keyDef) : { kind: 'dyn' } };
  }
  return refs;
}

/** Connection → system catalog → entity; undefined when any link is missing (the semantic checks report that). */
export function resolveEndpoint(
  repo: MappingRepo,
  endpoint: { connection: string; entity: string; key: string },
): ResolvedEndpoint | undefined {
  const connection = repo.connections.get(endpoint.connection);
  if (!connection) return undefined;
  const catalog = repo.catalogFor(connection.system);
  if (!catalog) return undefined;
  const entity = Object.hasOwn(catalog.entities, endpoint.entity) ? catalog.entities[endpoint.entity] : undefined;
  if (!entity) return undefined;
  return {
    connection: endpoint.connection,
    system: connection.system,
    timezone: connection.timezone ?? catalog.timezone ?? 'UTC',
    entityName: endpoint.entity,
    entity,
    key: endpoint.key,
    catalog,
  };
}

export function entityIn(catalog: Catalog, name: string): EntityDef | undefined {
  return Object.hasOwn(catalog.entities, name) ? catalog.entities[name] : undefined;
}

function lookupInfos(repo: MappingRepo): Record<string, LookupInfo> {
  const lookups: Record<string, LookupInfo> = Object.create(null) as Record<string, LookupInfo>;
  for (const [name, table] of [...repo.lookups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lookups[name] = lookupInfo(table);
  }
  return lookups;
}

/** Lookups and refs are the same for every spec of a repo: computed once per repo, not once per spec. */
const shared = new WeakMap<MappingRepo, { lookups: Record<string, LookupInfo>; refs: Record<string, RefInfo> }>();

export function buildScope(repo: MappingRepo, source: ResolvedEndpoint): CelScope {
  let common = shared.get(repo);
  if (!common) shared.set(repo, (common = { lookups: lookupInfos(repo), refs: refInfos(repo) }));
  const scope: CelScope = {
    variables: { source: { type: { kind: 'record', entity: source.entityName }, nullable: false } },
    entity: (name) => entityIn(source.catalog, name),
    lookups: common.lookups,
    refs: common.refs,
    timezone: source.timezone,
  };
  scopeKeys.set(scope, `${idOf(common)}|${idOf(source.catalog)}|${JSON.stringify(scope.variables)}|${source.timezone}`);
  return scope;
}

/** The same scope with `item` bound to one element of an `each` list. */
export function withItem(scope: CelScope, item: TypedValue): CelScope {
  const out = { ...scope, variables: { ...scope.variables, item } };
  const key = scopeKeys.get(scope);
  if (key !== undefined) scopeKeys.set(out, `${key}|${JSON.stringify(item)}`);
  return out;
}

/**
 * What a compiled expression depends on besides its text and target field, as a string: the repo's lookups and
 * refs, the catalog (by identity), the variables' types and the zone. Two scopes with the same key compile
 * every expression alike, so the mapping checks compile a repeated expression once (1,000 specs written from a
 * few templates repeat most of theirs).
 */
const scopeKeys = new WeakMap<CelScope, string>();
export function scopeKey(scope: CelScope): string | undefined {
  return scopeKeys.get(scope);
}

const ids = new WeakMap<object, number>();
let nextId = 0;
/** A number naming `o` for as long as it lives (identity as part of a string key). */
export function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}
