/**
 * Server-side Table output (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), what `kubectl get`
 * prints. Custom resources use their CRD's additionalPrinterColumns (Age is added when none are
 * declared, as apiextensions-apiserver does); built-in kinds get Name and Age.
 */
import type { PrinterColumn, ResourceType } from './registry.ts';
import { isObject, type KubeObject } from './types.ts';

/** Evaluates the JSONPath subset CRD printer columns use: `.a.b`, `[0]`, `[*]`, `[?(@.k=="v")]`. */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  let cur: unknown[] = [obj];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\]/gy;
  let m: RegExpExecArray | null;
  const expr = path.replace(/^\{|\}$/g, '');
  re.lastIndex = 0;
  while (re.lastIndex < expr.length && (m = re.exec(expr))) {
    const [, key, idx, filterKey, dq, sq] = m;
    const next: unknown[] = [];
    for (const v of cur) {
      if (key !== undefined) { if (isObject(v) && v[key] !== undefined) next.push(v[key]); }
      else if (idx !== undefined) { if (Array.isArray(v) && v[Number(idx)] !== undefined) next.push(v[Number(idx)]); }
      else if (filterKey !== undefined) {
        if (Array.isArray(v)) for (const item of v) {
          let f: unknown = item;
          for (const part of filterKey.split('.')) f = isObject(f) ? f[part] : undefined;
          if (f === (dq ?? sq)) next.push(item);
        }
      } else if (Array.isArray(v)) next.push(...v);
    }
    cur = next;
  }
  return cur;
}

/** apimachinery's duration.HumanDuration, the "Age" format. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function columnsFor(t: ResourceType, version: string): PrinterColumn[] {
  const declared = t.printerColumns?.[version];
  if (declared && declared.length) return declared;
  if (t.plural === 'namespaces') return [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE];
  return [AGE];
}

function cell(obj: KubeObject, c: PrinterColumn, now: number): unknown {
  const v = evalJsonPath(obj, c.jsonPath)[0];
  if (v === undefined || v === null) return null;
  if (c.type === 'date') {
    const t = Date.parse(String(v));
    return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
  }
  if (c.type === 'integer' || c.type === 'number') return typeof v === 'number' ? v : Number(v);
  if (c.type === 'boolean') return typeof v === 'boolean' ? v : String(v) === 'true';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function toTable(t: ResourceType, version: string, items: KubeObject[], resourceVersion: string, includeObject: string, now: number): Record<string, unknown> {
  const columns = columnsFor(t, version);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    ],
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: [o.metadata.name ?? '', ...columns.map((c) => cell(o, c, now))] };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
