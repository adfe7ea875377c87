/**
 * Normalisation for comparison, as the target field types say: decimals by value ("113.00" == "113"),
 * dates and instants by calendar day / instant (offset-less ERP local time read in the system's zone),
 * text by Unicode NFC with trimmed, collapsed whitespace and "" == null, base-data references by number.
 * Only the fields the spec maps are compared; keys come out in sorted order (see `Normaliser`).
 */
import type { EntityDef, FieldDef } from '../../compiler/catalog/types.ts';
import { Decimal, parseDate, parseInstant } from '../support/index.ts';
import type { Normaliser } from './engine.ts';

/** Which target fields a spec writes: a field name, or a child list with the fields of its items. */
export type MappedFields = { [field: string]: true | MappedFields };

export interface NormaliseOptions {
  entity: EntityDef;
  /** Resolves child entities of `list` fields. */
  resolve: (entity: string) => EntityDef | undefined;
  mapped: MappedFields;
  /** Zone of offset-less local times in this system (Kingdee, U8: Asia/Shanghai). */
  zone: string;
}

const UNPARSEABLE = (v: unknown) => ({ unparsed: typeof v === 'string' ? v : JSON.stringify(v) ?? null });

function text(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of ['FNumber', 'FNUMBER', 'Number', 'number', 'code', 'id']) if (o[k] !== undefined) return text(o[k]);
  }
  const s = (typeof v === 'string' ? v : String(v)).normalize('NFC').replace(/\s+/gu, ' ').trim();
  return s === '' ? null : s;
}

function decimal(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return null;
  try {
    // By value, not by scale: "113.00", "113" and 113 are the same amount.
    const t = Decimal.from(typeof v === 'number' || typeof v === 'bigint' ? v : String(v)).toString();
    const trimmed = t.includes('.') ? t.replace(/\.?0+$/, '') : t;
    return trimmed === '-0' ? '0' : trimmed;
  } catch {
    return UNPARSEABLE(v);
  }
}

function value(field: FieldDef, v: unknown, opts: NormaliseOptions): unknown {
  if (v === null || v === undefined) return field.type === 'list' ? [] : null;
  try {
    switch (field.type) {
      case 'string':
      case 'enum':
      case 'reference':
        return text(v);
      case 'integer':
      case 'decimal':
      case 'double':
        return decimal(v);
      case 'boolean':
        if (v === true || v === 'true' || v === '1' || v === 1) return true;
        if (v === false || v === 'false' || v === '0' || v === 0) return false;
        return UNPARSEABLE(v);
      case 'date':
        return v === '' ? null : parseDate(String(v), opts.zone).toString();
      case 'datetime':
        return v === '' ? null : parseInstant(String(v), field.zone && field.zone !== 'utc' ? field.zone : opts.zone).toString();
      case 'record':
        return v;
      case 'list': {
        const child = opts.resolve(field.entity);
        const mapped = opts.mapped;
        if (!Array.isArray(v) || !child) return UNPARSEABLE(v);
        return v.map((item) => normaliseRecord(item as Record<string, unknown>, { ...opts, entity: child, mapped }));
      }
    }
  } catch {
    return UNPARSEABLE(v);
  }
}

function normaliseRecord(record: Record<string, unknown>, opts: NormaliseOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(opts.mapped).sort()) {
    const field = opts.entity.fields[name];
    const sub = opts.mapped[name];
    // Query APIs return a reference's sub-field flattened (Kingdee `FCustId.FNumber`).
    const flat = field?.type === 'reference' && field.by !== undefined ? `${name}.${field.by}` : undefined;
    const raw = Object.hasOwn(record, name) ? record[name] : flat !== undefined && Object.hasOwn(record, flat) ? record[flat] : undefined;
    if (!field) out[name] = raw ?? null;
    else if (field.type === 'list' && typeof sub === 'object') out[name] = value(field, raw, { ...opts, mapped: sub });
    else out[name] = value(field, raw, opts);
  }
  return out;
}

export function normaliserFor(opts: NormaliseOptions): Normaliser {
  return (record) => normaliseRecord(record, opts);
}
