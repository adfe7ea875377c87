import type { ErrorObject } from 'ajv';
import type { DataPath } from '../model.ts';

/** An ajv error from a validator compiled with `verbose: true`: it carries its schema and the failing data. */
export type AjvError = ErrorObject & { schema?: unknown; parentSchema?: Record<string, unknown>; data?: unknown };

export type JsonSchema = Record<string, unknown>;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function matchesType(v: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = jsonType(v);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

/** JSON Pointer segments of an instancePath, with array indexes as numbers (what LoadedDocument.locate expects). */
export function toDataPath(instancePath: string, root: unknown): DataPath {
  if (instancePath === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isRecord(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

export function isPathPrefix(prefix: string, path: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

/** Follows local `$ref`s (`#/…`) against the kind's root schema. */
export function deref(schema: unknown, root: JsonSchema): JsonSchema {
  let s = schema;
  for (let hops = 0; hops < 16 && isRecord(s) && typeof s.$ref === 'string' && s.$ref.startsWith('#'); hops++) {
    let cur: unknown = root;
    for (const raw of s.$ref.slice(1).split('/').filter((x) => x !== '')) {
      const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      cur = isRecord(cur) ? cur[seg] : Array.isArray(cur) ? cur[Number(seg)] : undefined;
    }
    s = cur;
  }
  return isRecord(s) ? s : {};
}
