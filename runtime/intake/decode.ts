/**
 * The generic record envelope used by the HMAC webhook and the queue triggers:
 * `{ "id": "…", "version": "…", "cursor"?: "…", "deleted"?: bool, "data": { … } }`, or `{ "records": [ … ] }`.
 * Decoding never throws: it returns what is wrong and where, for a coded log line.
 */
import type { SourceRecord } from '../support/connector.ts';

export type Decoded = { ok: true; records: SourceRecord[] } | { ok: false; problem: string };

export function decodeRecords(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `body is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const list: unknown[] = isObject(value) && Array.isArray(value.records) ? value.records : Array.isArray(value) ? value : [value];
  if (list.length === 0) return { ok: false, problem: 'no records in body' };
  const records: SourceRecord[] = [];
  for (const [i, item] of list.entries()) {
    const where = list.length === 1 && !Array.isArray(value) && !(isObject(value) && 'records' in value) ? '' : `records[${i}]`;
    const r = decodeOne(item, where);
    if (typeof r === 'string') return { ok: false, problem: r };
    records.push(r);
  }
  return { ok: true, records };
}

function decodeOne(v: unknown, where: string): SourceRecord | string {
  const at = (f: string) => (where ? `${where}.${f}` : f);
  if (!isObject(v)) return `${where || 'body'} is not an object`;
  const id = scalar(v.id);
  if (id === undefined) return `${at('id')} is missing or not a string/number`;
  const version = scalar(v.version);
  if (version === undefined) return `${at('version')} is missing or not a string/number`;
  if (!isObject(v.data)) return `${at('data')} is missing or not an object`;
  if (v.cursor !== undefined && typeof v.cursor !== 'string') return `${at('cursor')} is not a string`;
  if (v.deleted !== undefined && typeof v.deleted !== 'boolean') return `${at('deleted')} is not a boolean`;
  return {
    id,
    version,
    data: v.data,
    ...(typeof v.cursor === 'string' ? { cursor: v.cursor } : {}),
    ...(v.deleted === true ? { deleted: true } : {}),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
