/**
 * The contract between the worker and a connector (one per system under `connectors/<system>/`).
 * Connectors import only these types from the runtime.
 */

/** A record read from a system, with what the worker needs to order and dedupe it. */
export interface SourceRecord {
  /** The system's own id. */
  id: string;
  /** Monotonic per record: modstamp, version, etag — dedupe is on (id, version). */
  version: string;
  /** Value of the incremental cursor field, ISO-8601 UTC where the system has a time. */
  cursor?: string;
  deleted?: boolean;
  /** True when this change was written by syncspec itself (the connector's own user or call tag): flows that run both ways drop it. */
  echo?: boolean;
  data: Record<string, unknown>;
}

/** Tie-safe poll position: a compound (timestamp, id), so equal timestamps across pages are neither lost nor repeated. */
export interface CursorPosition {
  at: string;
  id: string;
}

export interface ReadPage {
  records: SourceRecord[];
  /** Opaque continuation for the next page of the same query (undefined at the end). */
  next?: string;
  /**
   * Position the poll cursor may advance to once this page's records (and all earlier pages') are
   * delivered. Absent when advancing is not yet safe: a source that cannot return changes in cursor
   * order (Jiandaoyun lists by data id) sets it only on the last page, to the highest position seen.
   */
  checkpoint?: CursorPosition;
}

export interface UpsertItem {
  /** Business key value of the target record. */
  key: string;
  /** Derived, never random: the same record version always gets the same key. */
  idempotencyKey: string;
  record: Record<string, unknown>;
}

export type ErrorClass = 'retryable' | 'throttled' | 'rejected' | 'bad-mapping';

export interface ConnectorError {
  code: string;
  class: ErrorClass;
  message: string;
  /** Vendor error code as received (e.g. `REQUIRED_FIELD_MISSING`, Kingdee MsgCode, U8 errcode). */
  vendorCode?: string;
  retryAfterMs?: number;
}

export type ItemResult =
  | { key: string; status: 'ok'; targetId: string; created?: boolean }
  | { key: string; status: 'retry'; error: ConnectorError }
  | { key: string; status: 'reject'; error: ConnectorError };

export interface WebhookRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string>;
  body: Buffer;
}

export interface WebhookEvent {
  /** Vendor delivery id used for dedupe and replay protection (X-JDY-DeliverId, notification Id, …). */
  deliveryId: string;
  record: SourceRecord;
}

export type WebhookOutcome =
  | { ok: true; events: WebhookEvent[]; /** Body the vendor expects back (e.g. the SOAP Ack). */ reply?: { status: number; contentType: string; body: string } }
  | { ok: false; status: number; code: string; message: string };

export interface Connector {
  readonly system: string;
  /** Largest write batch the vendor accepts. */
  readonly maxBatchSize: number;
  /**
   * Reads one page of records changed after the tie-safe position `since`: a later cursor, or the same
   * cursor with a greater id. `since.id === ''` includes everything at `since.at` (overlap re-reads; the
   * worker drops what it already saw by (id, version)). Follow `next` to the end; advance to `checkpoint`.
   */
  readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage>;
  /**
   * Streams every record of an entity in key order, page by page (reconciliation). `fields` names what
   * the caller compares; a connector that reads a configured column list adds them (a dotted path such
   * as `FCustId.FNumber` is a sub-field of a reference); connectors that read whole records ignore it.
   */
  scan(entity: string, opts: { pageSize: number; signal?: AbortSignal; fields?: readonly string[] }): AsyncIterable<SourceRecord[]>;
  upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]>;
  /**
   * Which of these business keys exist at the target, with their target ids (a missing key is absent
   * from the map). Delivery modes `create-only` and `update-only` ask before writing; a connector
   * without it runs those modes from the crosswalk alone (create-only) or not at all (update-only).
   */
  findKeys?(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>>;
  /**
   * Deletes target records by business key (delivery mode `mirror` propagates source deletions). One
   * result per key, in order, like `upsertBatch`; a key with no record is `ok` (already gone, targetId '').
   */
  deleteBatch?(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<ItemResult[]>;
  /** Verifies and decodes a push from the vendor; absent when the system has no push. */
  verifyWebhook?(req: WebhookRequest): WebhookOutcome;
  /**
   * Completes verified push events whose payload is partial (Zoho notification callbacks carry ids
   * only): the current full records, same delivery ids, in the same order; a record the system no
   * longer has comes back `deleted`. The worker calls it after `verifyWebhook` and before storing, so
   * the inbox holds full records. Absent when pushes already carry whole records.
   */
  resolveWebhookEvents?(entity: string, events: readonly WebhookEvent[], signal?: AbortSignal): Promise<WebhookEvent[]>;
  close(): Promise<void>;
}
