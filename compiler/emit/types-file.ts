/**
 * `generated/<spec>/types.ts`: the Source record as the source system sends it (with every related
 * record and child list reachable from it) and the Target record the transform writes, with JSDoc
 * from the catalogs' labels and descriptions.
 */
import type { EntityDef, FieldDef } from '../catalog/types.ts';
import type { CompiledField, CompiledMapping } from '../mapping/types.ts';
import { jsDoc, propKey, ts, type Code } from './code.ts';
import { entityIn } from '../mapping/scope.ts';
import { NameScope } from './names.ts';
import { sourceScalar, targetScalar } from './wire.ts';
import { SafeWriter } from './writer.ts';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface TypeNames {
  /** Interface name per source entity reachable from the source record. */
  source: Map<string, Code>;
  /** Interface name per `each` field (by target path), for child rows. */
  rows: Map<string, Code>;
}

/** Names are fixed before anything is written so both files agree on them. */
export function typeNames(mapping: CompiledMapping): TypeNames {
  const scope = new NameScope();
  scope.reserve('Source');
  scope.reserve('Target');
  const source = new Map<string, Code>([[mapping.source.entityName, scope.reserve('Source')]]);
  const queue = [mapping.source.entityName];
  while (queue.length > 0) {
    const entity = entityIn(mapping.source.catalog, queue.shift() as string);
    if (!entity) continue;
    for (const name of Object.keys(entity.fields).sort(byName)) {
      const def = entity.fields[name] as FieldDef;
      if ((def.type === 'record' || def.type === 'list') && !source.has(def.entity) && entityIn(mapping.source.catalog, def.entity)) {
        source.set(def.entity, scope.name('Source_', def.entity));
        queue.push(def.entity);
      }
    }
  }
  const rows = new Map<string, Code>();
  const visit = (fields: readonly CompiledField[]): void => {
    for (const f of fields) {
      if (f.kind !== 'each') continue;
      rows.set(f.path, scope.name('Target_', f.path.replace(/\[\]/g, '')));
      visit(f.fields);
    }
  };
  visit(mapping.fields);
  return { source, rows };
}

function fieldDoc(def: FieldDef, extra?: string): Code {
  const facts: string[] = [`${def.type}`];
  if (def.type === 'string' && def.maxLength !== undefined) facts.push(`max ${def.maxLength} characters`);
  if (def.type === 'decimal' && def.precision !== undefined) facts.push(`precision ${def.precision}, scale ${def.scale ?? 0}`);
  if (def.type === 'enum') facts.push(`one of ${def.values.join(', ')}`);
  if (def.type === 'datetime' && def.zone !== undefined) facts.push(`zone ${def.zone}`);
  if ((def.type === 'reference' || def.type === 'record' || def.type === 'list')) facts.push(`→ ${def.entity}`);
  if (def.requiredOnCreate) facts.push('required on create');
  if (def.readOnly) facts.push('read-only');
  return jsDoc([def.label, def.description, `(${facts.join('; ')})`, extra]);
}

function sourceInterface(w: SafeWriter, name: Code, entityName: string, entity: EntityDef, names: TypeNames, system: string): void {
  w.lines(jsDoc([entity.label ?? entityName, entity.description, `${system} entity ${entityName}.`]));
  // A type literal rather than an interface: it is assignable to Record<string, unknown>, which the
  // typed field reads of #support take, so the transform needs no cast.
  w.block(ts`export type ${name} = `, () => {
    for (const field of Object.keys(entity.fields).sort(byName)) {
      const def = entity.fields[field] as FieldDef;
      let type: Code;
      // A related entity the catalog does not describe is still data: typed as a plain record.
      const related = def.type === 'record' || def.type === 'list' ? (names.source.get(def.entity) ?? ts`Record<string, unknown>`) : undefined;
      if (def.type === 'record') type = related as Code;
      else if (def.type === 'list') type = ts`${related as Code}[]`;
      else type = sourceScalar(def);
      w.lines(fieldDoc(def));
      if (def.nullable) w.line(ts`${propKey(field)}?: ${type} | null;`);
      else w.line(ts`${propKey(field)}: ${type};`);
    }
  }, ts`;`);
}

function targetInterface(w: SafeWriter, name: Code, doc: Code, fields: readonly CompiledField[], names: TypeNames): void {
  w.lines(doc);
  // A type literal like Source, so a transform is a CompiledTransform<Record<string, unknown>, Record<string, unknown>>.
  w.block(ts`export type ${name} = `, () => {
    for (const f of fields) {
      w.lines(fieldDoc(f.def, `Mapped at ${f.at}.`));
      if (f.kind === 'each') w.line(ts`${propKey(f.name)}: ${names.rows.get(f.path) as Code}[];`);
      else w.line(ts`${propKey(f.name)}: ${targetValueType(f)};`);
    }
  }, ts`;`);
}

/** The written value: null only when the expression may yield null and no default fills in. */
export function targetValueType(f: CompiledField & { kind: 'expr' }): Code {
  const scalar = targetScalar(f.def);
  return f.nullable && (f.default === undefined || f.default === null) ? ts`${scalar} | null` : scalar;
}

export function renderTypes(mapping: CompiledMapping, names: TypeNames, header: Code): string {
  const w = new SafeWriter();
  w.line(header);
  w.blank();
  for (const [entityName, name] of names.source) {
    const entity = entityIn(mapping.source.catalog, entityName);
    if (!entity) continue;
    sourceInterface(w, name, entityName, entity, names, mapping.source.system);
    w.blank();
  }
  const target = mapping.target;
  targetInterface(
    w,
    ts`Target`,
    jsDoc([target.entity.label ?? target.entityName, target.entity.description, `${target.system} entity ${target.entityName}: the fields this spec writes.`]),
    mapping.fields,
    names,
  );
  const rows = (fields: readonly CompiledField[]): void => {
    for (const f of fields) {
      if (f.kind !== 'each') continue;
      const rowEntity = entityIn(target.catalog, f.rowEntity);
      w.blank();
      targetInterface(
        w,
        names.rows.get(f.path) as Code,
        jsDoc([rowEntity?.label ?? f.rowEntity, `One ${f.rowEntity} row of ${f.path}, built per element of the \`each\` list.`]),
        f.fields,
        names,
      );
      rows(f.fields);
    }
  };
  rows(mapping.fields);
  return w.toString();
}
