/** What the mapping phase hands to plan and emit: every expression compiled, with its spec position. */
import type { Catalog, EntityDef, FieldDef } from '../catalog/types.ts';
import type { CompileExpression } from '../cel/api.ts';
import type { ConnectionBody, LookupTableBody, SyncSpecBody } from '../model.ts';

/** The repository as the mapping checks see it: catalogs, connections, lookups and the other specs. */
export interface MappingRepo {
  catalogFor(system: string): Catalog | undefined;
  connections: ReadonlyMap<string, ConnectionBody>;
  lookups: ReadonlyMap<string, LookupTableBody>;
  specs: ReadonlyMap<string, SyncSpecBody>;
  /** The CEL compiler (`compiler/cel`); injectable so tests can pin one version. */
  compile: CompileExpression;
}

export interface ResolvedEndpoint {
  connection: string;
  system: string;
  /** IANA zone offset-less local times of this endpoint are read in. */
  timezone: string;
  entityName: string;
  entity: EntityDef;
  key: string;
  catalog: Catalog;
}

export interface CompiledScalarField {
  kind: 'expr';
  /** Target field name as written in the spec. */
  name: string;
  /** Path for plans and docs: `FSaleOrderEntry[].FQty`. */
  path: string;
  def: FieldDef;
  /** `specs/x.yaml:12:14` of the expression. */
  at: string;
  /** The CEL expression as written. */
  text: string;
  /** TypeScript expression over `source`, `item`, `ctx`, `rt` from the CEL compiler. */
  code: string;
  /** Whether the compiled expression may yield null (before the default applies). */
  nullable: boolean;
  default?: string | number | boolean | null;
}

export interface CompiledEachField {
  kind: 'each';
  name: string;
  path: string;
  def: FieldDef;
  at: string;
  /** The `each` CEL expression as written. */
  text: string;
  /** TypeScript expression yielding the source list. */
  code: string;
  /** Source entity of one `item`. */
  itemEntity: string;
  /** Target child entity one output row belongs to. */
  rowEntity: string;
  fields: CompiledField[];
}

export type CompiledField = CompiledScalarField | CompiledEachField;

/** One SyncSpec, checked and compiled: the input of plan and emit. */
export interface CompiledMapping {
  name: string;
  /** Spec file as given (relative to the repository root). */
  file: string;
  body: SyncSpecBody;
  source: ResolvedEndpoint;
  target: ResolvedEndpoint;
  filter?: { code: string; at: string };
  /** Sorted by target field name. */
  fields: CompiledField[];
  /** LookupTable names the expressions use, sorted. */
  lookups: string[];
  /** SyncSpec names `ref()` points at, sorted. */
  refs: string[];
}
