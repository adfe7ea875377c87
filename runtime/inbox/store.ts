/**
 * The durable inbox and everything the worker must remember across restarts, behind one interface so
 * the embedded SQLite store and the shared PostgreSQL store are interchangeable (and tested by one suite).
 */
import type { CursorPosition, ErrorClass } from '../support/connector.ts';

/** Terminal states never change again except through a DLQ replay (`dead` → `pending`). */
export const EVENT_STATES = ['pending', 'done', 'dead', 'superseded', 'filtered', 'echo', 'skipped'] as const;
export type EventState = (typeof EVENT_STATES)[number];

export interface NewEvent {
  spec: string;
  sourceId: string;
  sourceVersion: string;
  cursor?: string;
  deleted?: boolean;
  payload: Record<string, unknown>;
  /** Vendor delivery id of a push: a second delivery with the same id is acknowledged but not stored again. */
  deliveryId?: string;
  receivedAt: number;
}

export interface InboxEvent {
  id: number;
  spec: string;
  sourceId: string;
  sourceVersion: string;
  cursor: string | undefined;
  deleted: boolean;
  payload: Record<string, unknown>;
  receivedAt: number;
  state: EventState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | undefined;
}

export interface InsertResult {
  /** Newly stored events. */
  inserted: number;
  /** Same (spec, source id, source version) already stored. */
  duplicates: number;
  /** Same (spec, delivery id) already received. */
  replayed: number;
}

export interface LaneKey {
  spec: string;
  sourceId: string;
}

/** One key's work: its pending events in version order; the key is leased to the claimer until settled or expired. */
export interface ClaimedLane extends LaneKey {
  events: InboxEvent[];
  /** Source version last delivered for this key (from the crosswalk): older events are stale. */
  deliveredVersion: string | undefined;
}

export interface ClaimRequest {
  spec: string;
  owner: string;
  /** Maximum number of keys. */
  limit: number;
  leaseMs: number;
  now: number;
}

export interface CrosswalkEntry {
  spec: string;
  sourceId: string;
  targetId: string;
  targetKey: string;
  sourceVersion: string;
}

export interface DeadLetterInput {
  eventId: number;
  spec: string;
  sourceId: string;
  sourceVersion: string;
  /** One line: why it was dead-lettered. */
  reason: string;
  class: ErrorClass;
  code: string;
  input: Record<string, unknown>;
  /** Field errors (bad mapping) or the target's error, as structured data. */
  errors: readonly Record<string, unknown>[];
  /** Spec positions (`specs/x.yaml:12:5`) of the failing mappings, comma separated; empty when not a mapping error. */
  at: string;
  createdAt: number;
}

export interface DeadLetter extends DeadLetterInput {
  id: number;
  replayedAt: number | undefined;
}

/** What this worker wrote to a system, so the change does not come back as a new event (two-way flows). */
export interface EchoMark {
  system: string;
  entity: string;
  recordId: string;
  written: Record<string, unknown>;
  expiresAt: number;
}

export interface StoredEchoMark extends EchoMark {
  id: number;
}

export interface EventUpdate {
  id: number;
  state: EventState;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
}

/** Everything one delivered batch changes, committed in one transaction. */
export interface Settlement {
  owner: string;
  now: number;
  events: readonly EventUpdate[];
  crosswalk: readonly CrosswalkEntry[];
  deadLetters: readonly DeadLetterInput[];
  echoMarks: readonly EchoMark[];
  consumedEchoMarks: readonly number[];
  release: readonly LaneKey[];
}

export interface CursorState {
  spec: string;
  position: CursorPosition | undefined;
  updatedAt: number | undefined;
}

export interface CursorMove {
  id: number;
  spec: string;
  from: CursorPosition | undefined;
  to: CursorPosition | undefined;
  who: string;
  why: string;
  at: number;
}

export interface InboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending schema migrations; returns the versions applied now (empty when up to date). */
  migrate(upTo?: number): Promise<number[]>;
  /** Stores events durably (committed when the promise resolves), deduping on (spec, source id, source version). */
  insertEvents(events: readonly NewEvent[]): Promise<InsertResult>;
  /** Leases up to `limit` keys with due pending events that no live lease holds. */
  claim(req: ClaimRequest): Promise<ClaimedLane[]>;
  /** Drops every lease of `owner` (a restarted worker with the same id has nothing in flight); returns how many. */
  releaseOwner(owner: string): Promise<number>;
  /** Extends the owner's leases (long batches). */
  renew(owner: string, lanes: readonly LaneKey[], until: number): Promise<void>;
  settle(s: Settlement): Promise<void>;
  /** Events among `refs` that are not yet in a terminal state (the poll cursor waits for zero). */
  unsettled(spec: string, refs: readonly { sourceId: string; sourceVersion: string }[]): Promise<number>;
  /** Pending events per spec. */
  depth(): Promise<Record<string, number>>;
  /** `received_at` of the oldest pending event per spec (freshness). */
  oldestPending(): Promise<Record<string, number>>;
  getEvent(id: number): Promise<InboxEvent | undefined>;

  crosswalkGet(spec: string, sourceIds: readonly string[]): Promise<Map<string, string>>;
  crosswalkBySourceId(spec: string, sourceId: string): Promise<CrosswalkEntry | undefined>;
  crosswalkByTargetId(spec: string, targetId: string): Promise<CrosswalkEntry | undefined>;

  listDeadLetters(q: { spec?: string; includeReplayed?: boolean; limit?: number }): Promise<DeadLetter[]>;
  getDeadLetter(id: number): Promise<DeadLetter | undefined>;
  /** Puts the dead-lettered events back into the inbox as pending; returns the ids replayed. */
  replayDeadLetters(ids: readonly number[], now: number): Promise<number[]>;
  /** Dead letters not yet replayed, per spec. */
  deadLetterCounts(): Promise<Record<string, number>>;

  findEchoMarks(system: string, entity: string, recordIds: readonly string[], now: number): Promise<StoredEchoMark[]>;

  getCursor(spec: string): Promise<CursorState>;
  listCursors(): Promise<CursorState[]>;
  /** Moves (or with `to` undefined, resets) a cursor and records the move. */
  moveCursor(spec: string, to: CursorPosition | undefined, who: string, why: string, now: number): Promise<CursorMove>;
  cursorHistory(spec: string, limit: number): Promise<CursorMove[]>;

  /** Cheap round trip for readiness probes. */
  ping(): Promise<void>;
  /** Deletes settled events, delivery ids and expired echo marks older than `before`. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

export const TERMINAL_STATES: readonly EventState[] = EVENT_STATES.filter((s) => s !== 'pending');
