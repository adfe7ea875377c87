/**
 * Entity catalogs: the real shape of each system's entities, one file per system under
 * `connectors/<system>/catalog.json`, validated by `schemas/catalog.schema.json`. The CEL type checker,
 * the code generator and the reference docs read these types.
 */
export type FieldType =
  | { type: 'string'; maxLength?: number }
  | { type: 'integer' }
  /** Exact decimal (money, quantities). Never a binary float at run time. */
  | { type: 'decimal'; precision?: number; scale?: number }
  /** IEEE double (e.g. Salesforce `Quantity`). */
  | { type: 'double' }
  | { type: 'boolean' }
  /** Calendar date `YYYY-MM-DD`. */
  | { type: 'date' }
  /** Instant. `zone` says how the system writes it: `utc`, an offset in the text, or an IANA zone for offset-less local time. */
  | { type: 'datetime'; zone?: string }
  | { type: 'enum'; values: string[] }
  /** Reference to a record of another entity, by that entity's business key (Kingdee base data `{FNumber}`, Salesforce Id). */
  | { type: 'reference'; entity: string; by?: string }
  /** A related record embedded in the payload (Salesforce relationship `Product2`, SAP navigation `to_Partner`). */
  | { type: 'record'; entity: string }
  /** Child records (Kingdee `FSaleOrderEntry`, Salesforce `OrderItems`, SAP `to_Item`, Jiandaoyun subform). */
  | { type: 'list'; entity: string };

export type FieldDef = FieldType & {
  /** May be absent or null in data read from the system. */
  nullable?: boolean;
  /** Must be supplied when creating a record. */
  requiredOnCreate?: boolean;
  /** Written by the system only (auto-numbers, roll-ups). */
  readOnly?: boolean;
  /** Human label (Jiandaoyun widget label, Kingdee field caption). */
  label?: string;
  description?: string;
};

export interface EntityDef {
  label?: string;
  description?: string;
  /** Business key field(s) usable for upsert and lookups. */
  keys: string[];
  /** Field used as the incremental cursor (SystemModstamp, FModifyDate, updateTime, …). */
  cursor?: string;
  /** Child entities: not top-level API objects, only reachable through a `list` field. */
  child?: boolean;
  fields: Record<string, FieldDef>;
}

export interface Catalog {
  system: string;
  /** Zone of offset-less local times written by this system (Kingdee, U8: Asia/Shanghai). */
  timezone?: string;
  entities: Record<string, EntityDef>;
}
