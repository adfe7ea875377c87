/**
 * The syncspec.dev/v1 CustomResourceDefinitions, derived from `schemas/<Kind>.schema.json` (the
 * single source of truth) by `toStructural`, plus what only the cluster has: the status written
 * by the operator, printer columns, short names and the `syncspec-all` category.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { toStructural, type JsonSchema, type Loosening } from './structural.ts';

export const GROUP = 'syncspec.dev';
export const VERSION = 'v1';

export interface KindInfo {
  kind: string;
  plural: string;
  shortNames: string[];
  /** Printer columns between Ready and Age. */
  columns: PrinterColumn[];
  /** Status fields only this kind has, added to the common status schema. */
  statusFields?: Record<string, JsonSchema>;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

const READY: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the object is reconciled and healthy' };
const REVISION: PrinterColumn = { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'Git revision (or bundle revision) last applied' };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the object was created' };
const MESSAGE: PrinterColumn = { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', description: 'Message of the Ready condition', priority: 1 };

export const KINDS: readonly KindInfo[] = [
  { kind: 'SyncSpec', plural: 'syncspecs', shortNames: ['ss'], columns: [{ name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Semantic version of the flow contract' }] },
  { kind: 'Connection', plural: 'connections', shortNames: ['sconn'], columns: [{ name: 'System', type: 'string', jsonPath: '.spec.system', description: 'System this connection points at' }] },
  { kind: 'LookupTable', plural: 'lookuptables', shortNames: ['slt'], columns: [] },
  { kind: 'EntitySchema', plural: 'entityschemas', shortNames: ['sent'], columns: [{ name: 'System', type: 'string', jsonPath: '.spec.system', description: 'System whose catalog entity this extends' }] },
  {
    kind: 'SpecSource', plural: 'specsources', shortNames: ['ssrc'], columns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url', description: 'Git repository the specs come from' }],
    statusFields: {
      lastAttemptedRevision: { type: 'string', description: 'Git commit last fetched and compiled, applied or not' },
      artifact: {
        type: 'object',
        description: 'The specs of the last applied revision',
        properties: {
          revision: { type: 'string', description: 'Git commit the artifact was taken from' },
          checksum: { type: 'string', description: 'sha256 over the file names and contents under spec.path' },
          path: { type: 'string', description: 'Folder within the repository' },
          files: { type: 'integer', format: 'int64', minimum: 0, description: 'YAML files under the path' },
          objects: { type: 'integer', format: 'int64', minimum: 0, description: 'Objects applied from them' },
        },
      },
    },
  },
];

/**
 * `kubectl get syncspec-all` lists every kind. Not `syncspec`: kubectl expands categories before it
 * maps resource names, so a category named like the SyncSpec singular would turn `kubectl get syncspec`
 * into a listing of all five kinds.
 */
export const CATEGORY = 'syncspec-all';

/** Nesting below which the CRD keeps values without describing them (recursive field mappings). */
export const MAX_DEPTH = 12;

/** The status the operator writes: kstatus conditions plus what the flow is actually doing. */
export function statusSchema(extra: Record<string, JsonSchema> = {}): JsonSchema {
  const schema: JsonSchema = {
    type: 'object',
    description: 'Written by the syncspec operator through the status subresource.',
    properties: {
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the operator last acted on' },
      conditions: {
        type: 'array',
        description: 'Ready, Reconciling, Stalled and the data-flow conditions (Synced, DeadLettersPresent, SLOBurning)',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        items: {
          type: 'object',
          required: ['type', 'status'],
          properties: {
            type: { type: 'string', minLength: 1, maxLength: 316, description: 'Condition type, e.g. Ready' },
            status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'Whether the condition holds' },
            reason: { type: 'string', maxLength: 1024, description: 'CamelCase reason of the last transition' },
            message: { type: 'string', maxLength: 32768, description: 'Human-readable detail' },
            observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the condition was computed from' },
            lastTransitionTime: { type: 'string', format: 'date-time', description: 'When status last changed' },
          },
        },
      },
      revision: { type: 'string', description: 'Git revision (or bundle revision) last applied' },
      bundleHash: { type: 'string', description: 'Hash of the compiled bundle the worker runs' },
      deadLetters: { type: 'integer', format: 'int64', minimum: 0, description: 'Records currently in the dead-letter queue' },
    },
  };
  Object.assign(schema.properties as Record<string, JsonSchema>, extra);
  return schema;
}

export interface GeneratedCrd {
  /** File name under the output directory, `<group>_<plural>.yaml` as kubebuilder names them. */
  file: string;
  object: Record<string, unknown>;
  loosened: Loosening[];
}

export function crdFor(info: KindInfo, jsonSchema: JsonSchema): GeneratedCrd {
  const defs = (jsonSchema.$defs ?? {}) as Record<string, JsonSchema>;
  const loosened: Loosening[] = [];
  const props = (jsonSchema.properties ?? {}) as Record<string, JsonSchema>;
  const specSource = props.spec;
  if (!specSource) throw new Error(`schemas/${info.kind}.schema.json has no "spec" property`);
  const spec = toStructural(specSource, { defs, maxDepth: MAX_DEPTH, loosened }, '.spec');
  const nameSchema = nameConstraints(jsonSchema, defs);
  const openAPIV3Schema: JsonSchema = {
    type: 'object',
    description: typeof jsonSchema.description === 'string' ? jsonSchema.description : `${info.kind} (syncspec.dev/v1)`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this representation, syncspec.dev/v1' },
      kind: { type: 'string', description: `Kind of this object, ${info.kind}` },
      // Only name and generateName may be constrained in a CRD's metadata schema.
      metadata: nameSchema ? { type: 'object', properties: { name: nameSchema } } : { type: 'object' },
      spec,
      status: statusSchema(info.statusFields),
    },
  };
  const singular = info.kind.toLowerCase();
  const object = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'syncspec' } },
    spec: {
      group: GROUP,
      names: { kind: info.kind, listKind: `${info.kind}List`, plural: info.plural, singular, shortNames: info.shortNames, categories: [CATEGORY] },
      scope: 'Namespaced',
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [READY, ...info.columns, REVISION, MESSAGE, AGE],
        schema: { openAPIV3Schema },
      }],
    },
  };
  return { file: `${GROUP}_${info.plural}.yaml`, object, loosened };
}

function nameConstraints(jsonSchema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema | undefined {
  const meta = (jsonSchema.properties as Record<string, JsonSchema> | undefined)?.metadata;
  const resolved = meta && typeof meta.$ref === 'string' ? defs[meta.$ref.replace(/^#\/\$defs\//, '')] : meta;
  const name = (resolved?.properties as Record<string, JsonSchema> | undefined)?.name;
  if (!name) return undefined;
  const out: JsonSchema = { type: 'string' };
  for (const k of ['maxLength', 'pattern']) if (name[k] !== undefined) out[k] = name[k];
  return out;
}

export function loadSchema(schemasDir: string, kind: string): JsonSchema {
  return JSON.parse(readFileSync(join(schemasDir, `${kind}.schema.json`), 'utf8')) as JsonSchema;
}

const HEADER = '# Code generated by `syncspec crds` from schemas/<Kind>.schema.json. DO NOT EDIT.\n';

/** Deterministic YAML: key order follows the generator, no timestamps, no line folding. */
export function renderCrd(crd: GeneratedCrd, kind: string): string {
  return HEADER.replace('<Kind>', kind) + stringify(crd.object, { lineWidth: 0, aliasDuplicateObjects: false });
}
