/**
 * Contract of the CEL compiler (`compiler/cel/`): parse with @bufbuild/cel, type-check against entity
 * catalogs, emit a plain TypeScript expression. Mapping checks and code generation call only this.
 */
import type { EntityDef, FieldDef } from '../catalog/types.ts';

export type CelType =
  | { kind: 'dyn' }
  | { kind: 'null' }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'uint' }
  | { kind: 'double' }
  | { kind: 'string' }
  | { kind: 'bytes' }
  | { kind: 'decimal' }
  | { kind: 'date' }
  | { kind: 'timestamp' }
  | { kind: 'duration' }
  | { kind: 'list'; elem: CelType }
  | { kind: 'map'; key: CelType; value: CelType }
  /** A record of a catalog entity (`source`, `item`, a relationship). */
  | { kind: 'record'; entity: string }
  | { kind: 'optional'; inner: CelType }
  | { kind: 'type' };

/** A type plus whether the value may be null/absent at run time. */
export interface TypedValue {
  type: CelType;
  nullable: boolean;
}

export interface LookupInfo {
  keyType: 'string' | 'int';
  valueType: 'string' | 'int' | 'decimal';
  keys: readonly string[];
  hasDefault: boolean;
}

export interface RefInfo {
  /** Type of the referenced spec's source key (what `ref()` is called with). */
  sourceKeyType: CelType;
}

export interface CelScope {
  /** Variables in scope (`source`; `item` inside `each`), typed as catalog records or plain types. */
  variables: Record<string, TypedValue>;
  /** Resolves an entity named by a `record`/`list` type, in the catalog of the system being read. */
  entity(name: string): EntityDef | undefined;
  /** LookupTable name → info; `lookup(name, key)` against a name missing here is an error. */
  lookups: Record<string, LookupInfo>;
  /** SyncSpec name → info; `ref(name, id)` against a name missing here is an error. */
  refs: Record<string, RefInfo>;
  /** IANA zone for offset-less local times read from the source (Kingdee, U8). */
  timezone: string;
}

/** A problem inside one expression; offsets are UTF-16 indexes into the expression text (end exclusive). */
export interface ExprDiagnostic {
  code: string;
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  suggestion?: string;
  start: number;
  end: number;
}

export interface CompiledExpression {
  /** Undefined when the expression does not parse or type-check. */
  result?: TypedValue;
  /**
   * A TypeScript expression over `source`, `item` (inside `each`), `ctx` (TransformContext) and `rt`
   * (the `#support` module imported as a namespace). Every user string inside is escaped.
   */
  code?: string;
  diagnostics: ExprDiagnostic[];
}

/**
 * Compiles one expression. With `expected`, also checks that the result fits the target field
 * (type, nullability vs `requiredOnCreate`, string length, enum values) and converts where the
 * field's wire form needs it (decimal scale, date text).
 */
export type CompileExpression = (text: string, scope: CelScope, expected?: FieldDef) => CompiledExpression;
