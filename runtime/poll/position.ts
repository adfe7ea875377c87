/** The compound poll position (timestamp, id): ties on the timestamp are broken by the id. */
import type { CursorPosition, SourceRecord } from '../support/connector.ts';

/** Epoch ms of an ISO-8601 date-time, NaN for anything else (counters, etags). */
function isoTime(s: string): number {
  // The poll keeps the newest position of every page read (`maxPosition` once per record), comparing the
  // newest so far with the next record: the last text parsed is asked for again at once.
  if (s === lastText) return lastTime;
  lastTime = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
  lastText = s;
  return lastTime;
}
let lastText: string | undefined;
let lastTime = Number.NaN;

export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.at !== b.at) {
    const ta = isoTime(a.at);
    const tb = isoTime(b.at);
    if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta < tb ? -1 : 1;
    if (Number.isNaN(ta) || Number.isNaN(tb)) return a.at < b.at ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const positionOf = (r: SourceRecord): CursorPosition => ({ at: r.cursor ?? r.version, id: r.id });

export function maxPosition(a: CursorPosition | undefined, b: CursorPosition | undefined): CursorPosition | undefined {
  if (!a) return b;
  if (!b) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The position `overlapMs` before `p` (id reset so every record at that instant is read again). */
export function minusOverlap(p: CursorPosition, overlapMs: number): CursorPosition {
  if (overlapMs <= 0) return p;
  const t = isoTime(p.at);
  return Number.isNaN(t) ? p : { at: new Date(t - overlapMs).toISOString(), id: '' };
}

/** Parses `2026-03-01T00:00:00Z` or `2026-03-01T00:00:00Z,<id>` (the CLI's `cursor set`). */
export function parsePosition(text: string): CursorPosition | undefined {
  const comma = text.indexOf(',');
  const at = (comma < 0 ? text : text.slice(0, comma)).trim();
  const id = comma < 0 ? '' : text.slice(comma + 1).trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(at) || Number.isNaN(Date.parse(at))) return undefined;
  return { at: new Date(Date.parse(at)).toISOString(), id };
}
