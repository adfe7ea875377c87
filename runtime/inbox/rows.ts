/** Row ⇄ object mapping shared by both dialects (PostgreSQL returns BIGINT as text, SQLite as number). */
import type { CursorPosition } from '../support/connector.ts';
import type { CursorMove, DeadLetter, EventState, InboxEvent, StoredEchoMark } from './store.ts';
import { compareVersions } from './version.ts';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : num(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function rowToEvent(r: Row): InboxEvent {
  return {
    id: num(r.id),
    spec: String(r.spec),
    sourceId: String(r.source_id),
    sourceVersion: String(r.source_version),
    cursor: optStr(r.cursor),
    deleted: r.deleted === true || r.deleted === 1,
    payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    receivedAt: num(r.received_at),
    state: String(r.state) as EventState,
    attempts: num(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    lastError: optStr(r.last_error),
  };
}

/** The columns `pendingEvent` reads, in its order: a claim lists them in its SELECT. */
export const PENDING_EVENT_COLUMNS = 'id, source_id, source_version, cursor, deleted, payload, received_at, attempts, next_attempt_at, last_error';

/** A pending event of `spec` from a row of PENDING_EVENT_COLUMNS read as an array (the same object as rowToEvent's). */
export function pendingEvent(spec: string, r: readonly unknown[]): InboxEvent {
  return {
    id: num(r[0]),
    spec,
    sourceId: String(r[1]),
    sourceVersion: String(r[2]),
    cursor: optStr(r[3]),
    deleted: r[4] === true || r[4] === 1,
    payload: JSON.parse(String(r[5])) as Record<string, unknown>,
    receivedAt: num(r[6]),
    state: 'pending',
    attempts: num(r[7]),
    nextAttemptAt: num(r[8]),
    lastError: optStr(r[9]),
  };
}

export function rowToDeadLetter(r: Row): DeadLetter {
  return {
    id: num(r.id),
    eventId: num(r.event_id),
    spec: String(r.spec),
    sourceId: String(r.source_id),
    sourceVersion: String(r.source_version),
    reason: String(r.reason),
    class: String(r.class) as DeadLetter['class'],
    code: String(r.code),
    input: JSON.parse(String(r.input)) as Record<string, unknown>,
    errors: JSON.parse(String(r.errors)) as Record<string, unknown>[],
    at: String(r.at),
    createdAt: num(r.created_at),
    replayedAt: optNum(r.replayed_at),
  };
}

export const positionToText = (p: CursorPosition | undefined): string | null => (p ? JSON.stringify({ at: p.at, id: p.id }) : null);
export const textToPosition = (t: unknown): CursorPosition | undefined =>
  t === null || t === undefined ? undefined : (JSON.parse(String(t)) as CursorPosition);

export function rowToMove(r: Row): CursorMove {
  return {
    id: num(r.id),
    spec: String(r.spec),
    from: textToPosition(r.from_position),
    to: textToPosition(r.to_position),
    who: String(r.who),
    why: String(r.why),
    at: num(r.at),
  };
}

export function rowToEchoMark(r: Row): StoredEchoMark {
  return {
    id: num(r.id),
    system: String(r.system),
    entity: String(r.entity),
    recordId: String(r.record_id),
    written: JSON.parse(String(r.written)) as Record<string, unknown>,
    expiresAt: num(r.expires_at),
  };
}

/** Groups claimed events by key, each key's events in version order (ties by arrival). */
export function groupLanes(spec: string, events: InboxEvent[], delivered: Map<string, string>) {
  const byKey = new Map<string, InboxEvent[]>();
  for (const e of events) {
    const list = byKey.get(e.sourceId) ?? [];
    list.push(e);
    byKey.set(e.sourceId, list);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sourceId, list]) => ({
      spec,
      sourceId,
      events: list.sort((x, y) => compareVersions(x.sourceVersion, y.sourceVersion) || x.id - y.id),
      deliveredVersion: delivered.get(sourceId),
    }));
}

/** Keeps the first occurrence of each (spec, source id, source version) within one insert call. */
export function uniqueEvents<T extends { spec: string; sourceId: string; sourceVersion: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const k = `${e.spec}\0${e.sourceId}\0${e.sourceVersion}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
