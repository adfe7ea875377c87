/**
 * TypeScript types of field values as they travel on the wire: what a system sends (Source) and what a
 * transform writes (Target). The CEL compiler converts between these and its run-time values.
 */
import type { FieldDef } from '../catalog/types.ts';
import { ts, type Code } from './code.ts';

/** Scalar wire type of a catalog field as read from a system. */
export function sourceScalar(def: FieldDef): Code {
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'date':
    case 'datetime':
      return ts`string`;
    case 'enum':
      return ts`string`;
    case 'integer':
    case 'double':
      return ts`number`;
    case 'decimal':
      // SAP OData and Kingdee send amounts as text to keep them exact; others send JSON numbers.
      return ts`number | string`;
    case 'boolean':
      return ts`boolean`;
    case 'record':
    case 'list':
      throw new Error(`sourceScalar called for ${def.type} field`);
  }
}

/** Scalar wire type of a value a transform writes to a target field. */
export function targetScalar(def: FieldDef): Code {
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'date':
    case 'datetime':
      return ts`string`;
    case 'enum':
      // Checked against the values at run time (`outEnum`); the JSDoc lists them.
      return ts`string`;
    case 'integer':
    case 'double':
      return ts`number`;
    case 'decimal':
      return ts`string`;
    case 'boolean':
      return ts`boolean`;
    case 'record':
    case 'list':
      throw new Error(`targetScalar called for ${def.type} field`);
  }
}
