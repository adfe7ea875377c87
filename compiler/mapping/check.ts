/**
 * Mapping-level checks of one SyncSpec (SS32xx) and compilation of every expression through the CEL
 * compiler: filter (bool), each target field against its catalog FieldDef, `each` collections (lists,
 * with `item` bound to the element) and their nested fields. Returns the compiled mapping for plan and
 * emit only when the spec has no errors.
 */
import type { EntityDef, FieldDef } from '../catalog/types.ts';
import type { CelScope, CelType, CompiledExpression } from '../cel/api.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, FieldMapping, LoadedDocument, SyncSpecBody } from '../model.ts';
import { namedCalls } from './calls.ts';
import { closest } from '../diagnostics/did-you-mean.ts';
import { checkExamples } from './examples.ts';
import { fromExprDiagnostic, portablePath, withLazyAt } from './position.ts';
import { buildScope, entityIn, idOf, resolveEndpoint, scopeKey, withItem } from './scope.ts';
import type { CompiledField, CompiledMapping, MappingRepo, ResolvedEndpoint } from './types.ts';

export interface MappingResult {
  /** Present when every expression compiled and no error was found. */
  mapping?: CompiledMapping;
  diagnostics: Diagnostic[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class MappingChecker {
  readonly doc: LoadedDocument;
  readonly repo: MappingRepo;
  readonly diagnostics: Diagnostic[] = [];
  readonly lookups = new Set<string>();
  readonly refs = new Set<string>();
  failed = false;

  constructor(doc: LoadedDocument, repo: MappingRepo) {
    this.doc = doc;
    this.repo = repo;
  }

  report(d: Diagnostic): void {
    this.diagnostics.push(d);
    if (d.severity === 'error') this.failed = true;
  }

  compile(path: DataPath, text: string, scope: CelScope, expected?: FieldDef): CompiledExpression {
    const { compiled, calls } = compileCached(this.repo, text, scope, expected);
    for (const d of compiled.diagnostics) this.report(fromExprDiagnostic(this.doc, path, d));
    if (compiled.code === undefined || compiled.result === undefined) this.failed = true;
    for (const name of calls.lookups) this.lookups.add(name);
    for (const name of calls.refs) this.refs.add(name);
    return compiled;
  }

  fields(
    mappings: Record<string, FieldMapping>,
    entityName: string,
    entity: EntityDef,
    target: ResolvedEndpoint,
    scope: CelScope,
    path: DataPath,
    prefix: string,
    creates: boolean,
  ): CompiledField[] {
    const out: CompiledField[] = [];
    const names = Object.keys(mappings).sort(byName);
    const known = Object.keys(entity.fields);
    for (const name of names) {
      const mapping = mappings[name] as FieldMapping;
      const at = [...path, name];
      const def = Object.hasOwn(entity.fields, name) ? entity.fields[name] : undefined;
      if (!def) {
        const suggestion = closest(name, known.filter((k) => !Object.hasOwn(mappings, k)));
        const d: Diagnostic = {
          code: 'SS3201',
          severity: 'error',
          summary: `${entityName} has no field "${name}"`,
          detail: `${target.system} entity ${entityName} fields: ${known.slice().sort(byName).join(', ')}.`,
          range: this.doc.locate(at, 'key'),
        };
        if (suggestion !== undefined) {
          d.suggestion = suggestion;
          d.detail = `Did you mean "${suggestion}"? ${d.detail ?? ''}`;
        }
        this.report(d);
        continue;
      }
      if (def.readOnly) {
        this.report({
          code: 'SS3203',
          severity: 'error',
          summary: `${entityName}.${name} is read-only in ${target.system}`,
          detail: 'The target system computes this field; remove the mapping or write the value to a writable field.',
          range: this.doc.locate(at, 'key'),
        });
      }
      const fieldPath = prefix === '' ? name : `${prefix}.${name}`;
      const compiled = this.field(name, fieldPath, mapping, def, target, scope, at, creates);
      if (compiled) out.push(compiled);
    }
    if (creates) this.required(mappings, entityName, entity, path);
    return out;
  }

  required(mappings: Record<string, FieldMapping>, entityName: string, entity: EntityDef, path: DataPath): void {
    const missing = Object.entries(entity.fields)
      .filter(([name, def]) => def.requiredOnCreate === true && def.readOnly !== true && !Object.hasOwn(mappings, name))
      .map(([name]) => name)
      .sort(byName);
    if (missing.length === 0) return;
    this.report({
      code: 'SS3202',
      severity: 'error',
      summary: `required ${entityName} field${missing.length > 1 ? 's' : ''} never mapped: ${missing.join(', ')}`,
      detail:
        `${entityName} needs ${missing.join(', ')} when a record is created. Map ${missing.length > 1 ? 'them' : 'it'} ` +
        'here, give a `{ expr, default }` mapping, or use `delivery.mode: update-only` if this flow never creates records.',
      range: this.doc.locate(path, 'key'),
    });
  }

  field(
    name: string,
    fieldPath: string,
    mapping: FieldMapping,
    def: FieldDef,
    target: ResolvedEndpoint,
    scope: CelScope,
    at: DataPath,
    creates: boolean,
  ): CompiledField | undefined {
    if (typeof mapping === 'object' && mapping !== null && 'each' in mapping) {
      return this.each(name, fieldPath, mapping, def, target, scope, at, creates);
    }
    if (def.type === 'list') {
      this.report({
        code: 'SS3205',
        severity: 'error',
        summary: `${name} is a list of ${def.entity} rows and needs an \`each\` mapping`,
        detail: `Write { each: <source list>, fields: { … } } to build one ${def.entity} row per source element.`,
        range: this.doc.locate(at),
      });
      return undefined;
    }
    const withDefault = typeof mapping === 'object' && mapping !== null && Object.hasOwn(mapping, 'default');
    const text = typeof mapping === 'string' ? mapping : mapping.expr;
    const exprPath = typeof mapping === 'string' ? at : [...at, 'expr'];
    // With a default the expression may be null: the default fills in, so nullability is not the expression's problem.
    const expected: FieldDef = withDefault ? { ...def, nullable: true, requiredOnCreate: false } : def;
    const compiled = this.compile(exprPath, text, scope, expected);
    let fallback: string | number | boolean | null | undefined;
    if (withDefault && typeof mapping === 'object') {
      fallback = (mapping as { default?: string | number | boolean | null }).default;
      this.checkDefault(name, def, fallback ?? null, [...at, 'default'], creates);
    }
    if (compiled.code === undefined || compiled.result === undefined) return undefined;
    const out: CompiledField = withLazyAt(
      {
        kind: 'expr' as const,
        name,
        path: fieldPath,
        def,
        text,
        code: compiled.code,
        nullable: compiled.result.nullable,
      },
      this.doc,
      exprPath,
    );
    if (fallback !== undefined) out.default = fallback;
    return out;
  }

  each(
    name: string,
    fieldPath: string,
    mapping: { each: string; fields: Record<string, FieldMapping> },
    def: FieldDef,
    target: ResolvedEndpoint,
    scope: CelScope,
    at: DataPath,
    creates: boolean,
  ): CompiledField | undefined {
    if (def.type !== 'list') {
      this.report({
        code: 'SS3205',
        severity: 'error',
        summary: `${name} is a ${def.type} field; \`each\` builds child rows only for list fields`,
        detail: 'Map a scalar field with a CEL expression.',
        range: this.doc.locate([...at, 'each'], 'key'),
      });
      return undefined;
    }
    const rowEntity = entityIn(target.catalog, def.entity);
    const compiled = this.compile([...at, 'each'], mapping.each, scope);
    const type = compiled.result?.type;
    if (type !== undefined && type.kind !== 'list' && type.kind !== 'dyn') {
      this.report({
        code: 'SS3204',
        severity: 'error',
        summary: `\`each\` of ${name} yields ${describe(type)}, not a list`,
        detail: 'Point `each` at a list field of the source entity, such as a child collection.',
        range: this.doc.locate([...at, 'each']),
      });
      return undefined;
    }
    if (!rowEntity) return undefined; // a catalog without the child entity is reported by the catalog checks
    const elem = type?.kind === 'list' ? type.elem : ({ kind: 'dyn' } as const);
    const itemScope = withItem(scope, { type: elem, nullable: false });
    const fields = this.fields(mapping.fields, def.entity, rowEntity, target, itemScope, [...at, 'fields'], `${fieldPath}[]`, creates);
    if (compiled.code === undefined) return undefined;
    return withLazyAt(
      {
        kind: 'each' as const,
        name,
        path: fieldPath,
        def,
        text: mapping.each,
        code: compiled.code,
        itemEntity: elem.kind === 'record' ? elem.entity : '',
        rowEntity: def.entity,
        fields,
      },
      this.doc,
      [...at, 'each'],
    );
  }

  checkDefault(name: string, def: FieldDef, value: unknown, path: DataPath, creates: boolean): void {
    const problem = defaultProblem(def, value, creates);
    if (problem === undefined) return;
    this.report({
      code: 'SS3207',
      severity: 'error',
      summary: `default of ${name} ${problem}`,
      range: this.doc.locate(path),
    });
  }
}

function describe(type: CelType): string {
  return type.kind === 'record' ? `a ${type.entity} record` : type.kind;
}

/** Why `value` cannot be written to a field of type `def`, or undefined when it can. */
export function defaultProblem(def: FieldDef, value: unknown, creates: boolean): string | undefined {
  if (value === null) return def.requiredOnCreate && creates ? 'is null but the field is required' : undefined;
  switch (def.type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string') return `must be text, not ${typeof value}`;
      if (def.type === 'string' && def.maxLength !== undefined && [...value].length > def.maxLength)
        return `is ${[...value].length} characters, longer than the field's ${def.maxLength}`;
      return undefined;
    case 'enum':
      return typeof value === 'string' && def.values.includes(value) ? undefined : `must be one of ${def.values.join(', ')}`;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? undefined : 'must be a date YYYY-MM-DD';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : 'must be an ISO-8601 date-time';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'decimal':
    case 'double':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
        ? undefined
        : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'record':
    case 'list':
      return `cannot be given for a ${def.type} field`;
  }
}

export function checkMapping(doc: LoadedDocument, repo: MappingRepo): MappingResult {
  const root = doc.value as { spec?: SyncSpecBody } | undefined;
  const body = root?.spec;
  const name = doc.name;
  if (doc.kind !== 'SyncSpec' || !body || name === undefined) return { diagnostics: [] };
  const source = resolveEndpoint(repo, body.source);
  const target = resolveEndpoint(repo, body.target);
  // Unknown connections, systems and entities are the semantic checks' to report; nothing to type against here.
  if (!source || !target) return { diagnostics: [] };
  const checker = new MappingChecker(doc, repo);
  const scope = buildScope(repo, source);
  let filter: CompiledMapping['filter'];
  if (body.filter !== undefined) {
    // Compiled without a target field: the filter is not written anywhere, it only has to be a definite bool.
    const compiled = checker.compile(['spec', 'filter'], body.filter, scope);
    const result = compiled.result;
    if (result !== undefined && (result.type.kind !== 'bool' || result.nullable)) {
      checker.report({
        code: 'SS3206',
        severity: 'error',
        summary: result.type.kind === 'bool' ? 'filter may yield null, not a definite bool' : `filter yields ${describe(result.type)}, not bool`,
        detail: "Compare explicitly (source.Status == 'Activated') or give a fallback with .orValue(false).",
        range: doc.locate(['spec', 'filter']),
      });
    } else if (compiled.code !== undefined) {
      filter = withLazyAt({ code: compiled.code }, doc, ['spec', 'filter']);
    }
  }
  const creates = body.delivery?.mode !== 'update-only';
  const fields = checker.fields(body.fields, target.entityName, target.entity, target, scope, ['spec', 'fields'], '', creates);
  checker.diagnostics.push(...checkExamples(doc, body, source));
  if (checker.failed || checker.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: checker.diagnostics };
  const mapping: CompiledMapping = {
    name,
    file: portablePath(doc.file),
    body,
    source,
    target,
    fields,
    lookups: [...checker.lookups].sort(byName),
    refs: [...checker.refs].sort(byName),
  };
  if (filter) mapping.filter = filter;
  return { mapping, diagnostics: checker.diagnostics };
}

/**
 * Compiled expressions by scope key (see `scopeKey`), compiler, target field and text, held per repository (its
 * lookups object, shared by all its scopes) so a long-lived process drops them with the repository. Read only.
 */
const compiledCache = new WeakMap<object, Map<string, Compiled>>();
type Compiled = { compiled: CompiledExpression; calls: ReturnType<typeof namedCalls> };

function compileCached(repo: MappingRepo, text: string, scope: CelScope, expected?: FieldDef): Compiled {
  const key = scopeKey(scope);
  if (key === undefined) return { compiled: repo.compile(text, scope, expected), calls: namedCalls(text) };
  let cache = compiledCache.get(scope.lookups);
  if (!cache) compiledCache.set(scope.lookups, (cache = new Map()));
  const full = `${key}|${idOf(repo.compile)}|${expected === undefined ? '-' : JSON.stringify(expected)}\u0000${text}`;
  let hit = cache.get(full);
  if (!hit) cache.set(full, (hit = { compiled: repo.compile(text, scope, expected), calls: namedCalls(text) }));
  return hit;
}
