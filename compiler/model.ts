/**
 * The shared shapes that flow between compiler phases (load → validate → check → plan → emit).
 * Each phase owns its module; this file only fixes the contract between them.
 */
import type { FieldDef } from './catalog/types.ts';
import type { Pos, SourceRange } from './diagnostics/diagnostic.ts';

export const API_VERSION = 'syncspec.dev/v1';
export const KINDS = ['SyncSpec', 'Connection', 'LookupTable', 'EntitySchema', 'SpecSource'] as const;
export type Kind = (typeof KINDS)[number];

/** A path into a document's data, as in a JSON Pointer: property names and array indexes. */
export type DataPath = readonly (string | number)[];

/** One YAML document of a file, with its plain data and a way back to source positions. */
export interface LoadedDocument {
  /** Path of the file as given on the command line (relative paths stay relative). */
  file: string;
  /** Index of the document within a multi-document file (0-based). */
  index: number;
  kind: Kind;
  apiVersion: string;
  /** `metadata.name` (may be missing when the document is invalid). */
  name: string | undefined;
  /** The document's data as plain JSON-compatible values. */
  value: unknown;
  /** Span of the key (`part: 'key'`) or of the value (default) at `path`; the nearest existing ancestor when `path` is missing. */
  locate(path: DataPath, part?: 'key' | 'value'): SourceRange;
  /**
   * Position in the file of character `index` of the scalar string at `path` (its parsed value):
   * maps a column inside a CEL expression to the YAML file, through quotes, escapes and block scalars.
   */
  locateInScalar(path: DataPath, index: number): Pos;
  /** Where the value at `path` starts: `locate(path).start`, read without building positions where the layout allows. */
  valueStart(path: DataPath): Pos;
}

/** A secret is never written in a spec; only a reference to where it lives. */
export type SecretRef =
  | { env: string }
  | { file: string }
  | { secretKeyRef: { name: string; key: string; namespace?: string } };

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type TriggerSpec =
  | { webhook: { events: ('created' | 'updated' | 'deleted')[]; path?: string } }
  | { poll: { every: string; cursor?: string; overlap?: string } }
  | { schedule: { cron: string; timezone?: string; mode?: 'sync' | 'reconcile' } }
  | { queue: { broker: 'rabbitmq' | 'nats' | 'kafka'; connection: string; topic: string } };

/** A target field mapping: a CEL expression, an expression with a default, or a child collection. */
export type FieldMapping =
  | string
  | { expr: string; default?: string | number | boolean | null }
  | { each: string; fields: Record<string, FieldMapping> };

export interface SyncSpecBody {
  version: string;
  owner: string;
  description?: string;
  suspend?: boolean;
  source: { connection: string; entity: string; key: string };
  target: { connection: string; entity: string; key: string };
  triggers: TriggerSpec[];
  filter?: string;
  fields: Record<string, FieldMapping>;
  sla?: { latency?: { p50?: string; p95?: string; p99?: string }; freshness?: string; errorRate?: string };
  delivery?: {
    mode?: 'upsert' | 'create-only' | 'update-only' | 'mirror';
    batch?: { size?: number; maxWait?: string };
    retry?: { attempts?: number; initial?: string; max?: string };
    deadLetter?: boolean;
  };
  examples?: {
    name: string;
    input: Record<string, unknown>;
    /** Id crosswalk entries that `ref()` reads while the example runs: spec name → source id → target id. */
    refs?: Record<string, Record<string, string>>;
    expect?: Record<string, unknown>;
    /** Expected field errors instead of a value (target field path → substring of the message). */
    expectErrors?: Record<string, string>;
    /** When the filter should drop the record. */
    expectFiltered?: boolean;
  }[];
}

export const SYSTEMS = [
  'salesforce',
  'zoho-crm',
  'jiandaoyun',
  'kingdee-k3cloud',
  'yonyou-u8',
  'sap-s4hana',
  'postgresql',
  'mysql',
] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface ConnectionBody {
  system: SystemName;
  url: string;
  /** IANA zone the system writes offset-less local times in (Kingdee and U8: Asia/Shanghai). */
  timezone?: string;
  auth: Record<string, unknown>;
  rateLimit?: { requestsPerSecond: number; burst?: number };
  /** Push settings: the shared secret that verifies Jiandaoyun data pushes / Zoho watch-channel tokens. */
  webhook?: { secret?: SecretRef };
  options?: Record<string, unknown>;
}

export interface LookupTableBody {
  description?: string;
  keyType?: 'string' | 'integer';
  valueType?: 'string' | 'integer' | 'decimal';
  entries: Record<string, string | number>;
  default?: string | number;
}

/** Custom fields (and custom objects) added to a system's entity catalog. */
export interface EntitySchemaBody {
  system: SystemName;
  entity: string;
  label?: string;
  description?: string;
  /** Business keys; required when `entity` is not in the catalog (a custom object). */
  keys?: string[];
  cursor?: string;
  fields: Record<string, FieldDef>;
}

/** A Git repository (or Flux GitRepository artifact) the operator takes specs from. */
export interface SpecSourceBody {
  url?: string;
  sourceRef?: { kind?: 'GitRepository'; name: string; namespace?: string };
  ref?: { branch: string } | { tag: string } | { commit: string };
  path?: string;
  interval?: string;
  secretRef?: { name: string };
  suspend?: boolean;
}

export interface SpecDocument<K extends Kind, B> {
  apiVersion: string;
  kind: K;
  metadata: Metadata;
  spec: B;
}
export type SyncSpecDoc = SpecDocument<'SyncSpec', SyncSpecBody>;
export type ConnectionDoc = SpecDocument<'Connection', ConnectionBody>;
export type LookupTableDoc = SpecDocument<'LookupTable', LookupTableBody>;
export type EntitySchemaDoc = SpecDocument<'EntitySchema', EntitySchemaBody>;
export type SpecSourceDoc = SpecDocument<'SpecSource', SpecSourceBody>;
