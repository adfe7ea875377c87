/**
 * The reusable connector contract suite. Each system runs it against its emulator:
 *
 *   connectorContract('salesforce', startSalesforceHarness, { webhooks: true });
 *
 * It proves, over real HTTP: authentication and one transparent re-authentication on session expiry;
 * paging to the end with timestamp ties across page boundaries (tie-safe cursor: no loss, no
 * duplicate); upsert idempotency (same batch twice → one create per key, converging state); per-record
 * rejects mapped back by index; classification of 5xx bursts, throttling with Retry-After, timeouts,
 * dropped connections (before and after the write took effect), session expiry and caller aborts;
 * webhook verification (good, forged, duplicated, reordered, replayed, stale, malformed).
 *
 * Databases run it too (`postgresql.test.ts`, `mysql.test.ts` through `sql-harness.ts`): their harness is
 * an `AsyncContractHarness` over the real server, and they declare `throttling: false`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, CursorPosition, ItemResult, SourceRecord, UpsertItem, WebhookRequest } from '../../runtime/support/connector.ts';
import { comparePositions, maxPosition, positionOf } from '../../connectors/shared/cursor.ts';
import type { EffectRow } from '../../connectors/shared/emulator/effects.ts';
import type { FaultConfig } from '../../connectors/shared/emulator/faults.ts';
import type { DeliveryReport } from '../../connectors/shared/emulator/push.ts';
import type { Stats } from '../../connectors/shared/emulator/server.ts';
import { ConnectorFailure } from '../../connectors/shared/errors.ts';
import { startReceiver, type Receiver } from './receiver.ts';

export interface WebhookHarness {
  /** Makes the emulator push the current state of these keys to `url`. */
  push(url: string, keys: string[], opts?: { duplicate?: boolean; reorder?: boolean }): Promise<DeliveryReport[]>;
  /** A copy of a valid request that must fail the sender check (bad signature, other organisation). */
  forge(req: WebhookRequest): WebhookRequest;
  /** For vendors that sign a timestamp: moves the connector's clock (replay window tests). */
  advanceClock?(ms: number): void;
  /** Replay window of the connector, when it has one. */
  windowMs?: number;
}

export interface ContractHarness {
  connector: Connector;
  /** Entity read and written by the suite, and the business key field used for upserts. */
  entity: string;
  keyField: string;
  /** Page size the paging tests ask for (vendor minimums apply, e.g. Salesforce batchSize ≥ 200). */
  pageLimit: number;
  /** True when readChanges returns records in (cursor, id) order. */
  ordered: boolean;
  /** Creates source records with the given cursor instants, in this order (as a user, not syncspec). */
  seedChanges(rows: { key: string; at: string }[]): Promise<void>;
  /** A user changes an existing source record at instant `at`. */
  touch(key: string, at: string): Promise<void>;
  /** Business key of a record read back from the source. */
  keyOf(record: SourceRecord): string;
  /** A valid target record for `key`; `variant` changes a non-key field. */
  validRecord(key: string, variant: number): Record<string, unknown>;
  /** A record the vendor rejects for a business reason (e.g. a required field missing). */
  invalidRecord(key: string): Record<string, unknown>;
  /** True when the target's stored record for `key` carries `validRecord(key, variant)`. */
  storedMatches(key: string, variant: number): boolean;
  effects(key: string): EffectRow;
  setFaults(config: FaultConfig): void;
  stats(): Stats;
  expireSessions(): void;
  /** Same system, wrong secret (`badSecret`). */
  withBadCredentials(): Connector;
  /** Creates two target records sharing business key `key` (options.ambiguousKeys). */
  seedDuplicateTarget?(key: string): Promise<void>;
  /** The wrong secret withBadCredentials uses: it must never appear in an error. */
  badSecret: string;
  /** Same system, a short call timeout (for hang faults). */
  withTimeout(ms: number): Connector;
  /** Path fragment of the vendor's write call, so "drop after write" hits the write and not a look-up. */
  writePathContains: string;
  /**
   * For vendors that write one record per call (Yonyou U8 add, SAP OData POST/PATCH): lose the answers
   * of the next `count` writes after they took effect. Absent: one dropAfterWrite fault on writePathContains.
   */
  dropWriteAnswers?(count: number): void;
  close(): Promise<void>;
  webhook?: WebhookHarness;
}

/**
 * The same harness with asynchronous state access and fault injection: a database "emulator" is the real
 * server, so reading the stored row or killing a backend is a round trip.
 */
export type AsyncContractHarness = Omit<ContractHarness, 'storedMatches' | 'effects' | 'setFaults' | 'stats' | 'expireSessions' | 'dropWriteAnswers'> & {
  storedMatches(key: string, variant: number): Promise<boolean>;
  effects(key: string): Promise<EffectRow>;
  setFaults(config: FaultConfig): Promise<void>;
  stats(): Promise<Stats>;
  expireSessions(): Promise<void>;
  dropWriteAnswers?(count: number): Promise<void>;
};

export interface ContractOptions {
  webhooks?: boolean;
  /** The vendor has login sessions (Salesforce, Kingdee; default) rather than a static key (Jiandaoyun). */
  sessionAuth?: boolean;
  /** The target can hold two records with one business key (harness.seedDuplicateTarget). */
  ambiguousKeys?: boolean;
  /**
   * The system has a rate-limit signal with a wait (HTTP 429 + Retry-After, vendor limit codes); default true.
   * Databases have none (too_many_connections carries no wait and is classified retryable), so their
   * harnesses set false and the throttling scenario is not registered for them.
   */
  throttling?: boolean;
}

const keyOfIndex = (i: number): string => `K${String(i).padStart(4, '0')}`;
const BASE = Date.UTC(2026, 2, 1, 2, 0, 0);
const instant = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();

/** Timestamps with a tie group straddling every page boundary, plus ties elsewhere. */
function tiedInstants(count: number, pageLimit: number): string[] {
  const out: string[] = [];
  let second = 0;
  for (let i = 0; i < count; i++) {
    const nearBoundary = (i + 3) % pageLimit < 6 && i >= 3; // i in [kL-3, kL+3)
    const prevNear = i > 0 && (i + 2) % pageLimit < 6 && i - 1 >= 3;
    if (!(nearBoundary && prevNear) && i % 3 !== 1) second++;
    out.push(instant(second));
  }
  return out;
}

async function readAll(c: Connector, entity: string, since: CursorPosition | undefined, limit: number): Promise<{ records: SourceRecord[]; checkpoint?: CursorPosition; pages: number }> {
  const records: SourceRecord[] = [];
  let next: string | undefined;
  let checkpoint: CursorPosition | undefined;
  let pages = 0;
  do {
    const page = await c.readChanges(entity, since, next === undefined ? { limit } : { next, limit });
    pages++;
    records.push(...page.records);
    if (page.checkpoint) checkpoint = page.checkpoint;
    next = page.next;
    if (pages > 10_000) throw new Error('paging did not end');
  } while (next !== undefined);
  return checkpoint ? { records, checkpoint, pages } : { records, pages };
}

function items(h: ContractHarness | AsyncContractHarness, keys: string[], variant: number): UpsertItem[] {
  return keys.map((key) => ({ key, idempotencyKey: `${key}@v${variant}`, record: h.validRecord(key, variant) }));
}

function expectAll(results: ItemResult[], status: ItemResult['status'], cls?: string): void {
  for (const r of results) {
    expect(r.status, JSON.stringify(r)).toBe(status);
    if (cls !== undefined && r.status !== 'ok') expect(r.error.class, JSON.stringify(r)).toBe(cls);
  }
}

async function failureOf(p: Promise<unknown>): Promise<ConnectorFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorFailure);
    return e as ConnectorFailure;
  }
  throw new Error('expected a ConnectorFailure, the call succeeded');
}

export function connectorContract(name: string, start: () => Promise<ContractHarness | AsyncContractHarness>, options: ContractOptions = {}): void {
  const sessions = options.sessionAuth ?? true;
  describe(`connector contract: ${name}`, () => {
    let h: ContractHarness | AsyncContractHarness;
    const extra: Connector[] = [];
    beforeEach(async () => {
      h = await start();
    });
    afterEach(async () => {
      for (const c of extra.splice(0)) await c.close();
      await h.close();
    });

    describe('auth', () => {
      it('logs in once and reuses the session', async () => {
        await h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit });
        await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['A1'], 1));
        expect((await h.stats()).logins).toBe(sessions ? 1 : 0);
      });

      it(sessions ? 're-authenticates once, transparently, when the session expires' : 'keeps working through a session-expiry fault (static key)', async () => {
        await h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit });
        await h.expireSessions();
        const results = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['A1', 'A2'], 1));
        expectAll(results, 'ok');
        await h.setFaults({ next: ['sessionExpiry'] });
        await h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit });
        expect((await h.stats()).logins).toBe(sessions ? 3 : 0);
      });

      it('reports refused credentials as SS5150 (retryable, never a stack trace)', async () => {
        const bad = h.withBadCredentials();
        extra.push(bad);
        const f = await failureOf(bad.readChanges(h.entity, undefined, { limit: h.pageLimit }));
        expect(f.error.code).toBe('SS5150');
        expect(JSON.stringify(f.error) + f.message).not.toContain(h.badSecret);
        const results = await bad.upsertBatch(h.entity, h.keyField, items(h, ['A1'], 1));
        expect(results).toEqual([{ key: 'A1', status: 'retry', error: expect.objectContaining({ code: 'SS5150', class: 'retryable' }) }]);
        expect(JSON.stringify(results)).not.toContain(h.badSecret);
        expect((await h.effects('A1')).creates).toBe(0);
      });
    });

    describe('incremental reads', () => {
      it('pages to the end with ties across page boundaries: no loss, no duplicate', async () => {
        const count = h.pageLimit * 2 + 5;
        const ats = tiedInstants(count, h.pageLimit);
        await h.seedChanges(ats.map((at, i) => ({ key: keyOfIndex(i), at })));
        const { records, checkpoint, pages } = await readAll(h.connector, h.entity, undefined, h.pageLimit);
        expect(pages).toBeGreaterThanOrEqual(3);
        const keys = records.map((r) => h.keyOf(r));
        expect(new Set(keys).size).toBe(keys.length);
        expect([...keys].sort()).toEqual(ats.map((_, i) => keyOfIndex(i)));
        for (const r of records) expect(r.cursor, 'every record carries its cursor').toBeDefined();
        if (h.ordered) {
          for (let i = 1; i < records.length; i++) {
            expect(comparePositions(positionOf(records[i - 1] as SourceRecord) as CursorPosition, positionOf(records[i] as SourceRecord) as CursorPosition)).toBeLessThan(0);
          }
        }
        const max = records.map(positionOf).reduce(maxPosition, undefined);
        expect(checkpoint).toEqual(max);
      });

      it('resumes from any position, also inside a tie group, with exactly the later records', async () => {
        const count = h.pageLimit * 2 + 5;
        const ats = tiedInstants(count, h.pageLimit);
        await h.seedChanges(ats.map((at, i) => ({ key: keyOfIndex(i), at })));
        const all = (await readAll(h.connector, h.entity, undefined, h.pageLimit)).records;
        const sorted = [...all].sort((a, b) => comparePositions(positionOf(a) as CursorPosition, positionOf(b) as CursorPosition));
        for (const cut of [0, h.pageLimit - 2, h.pageLimit - 1, h.pageLimit, h.pageLimit + 1, count - 2]) {
          const since = positionOf(sorted[cut] as SourceRecord) as CursorPosition;
          const rest = (await readAll(h.connector, h.entity, since, h.pageLimit)).records.map((r) => h.keyOf(r));
          expect(new Set(rest).size).toBe(rest.length);
          expect([...rest].sort(), `resume after #${cut}`).toEqual(sorted.slice(cut + 1).map((r) => h.keyOf(r)).sort());
        }
        // A position with an empty id means "everything at or after this instant".
        const at = (sorted[h.pageLimit] as SourceRecord).cursor as string;
        const inclusive = (await readAll(h.connector, h.entity, { at, id: '' }, h.pageLimit)).records.map((r) => h.keyOf(r));
        const expected = sorted.filter((r) => comparePositions(positionOf(r) as CursorPosition, { at, id: '' }) >= 0).map((r) => h.keyOf(r));
        expect(inclusive.sort()).toEqual(expected.sort());
      });

      it('after a checkpoint returns only what changed since, marked as not an echo', async () => {
        await h.seedChanges([0, 1, 2, 3, 4].map((i) => ({ key: keyOfIndex(i), at: instant(i) })));
        const first = await readAll(h.connector, h.entity, undefined, h.pageLimit);
        await h.touch(keyOfIndex(1), instant(100));
        await h.touch(keyOfIndex(3), instant(100));
        const second = await readAll(h.connector, h.entity, first.checkpoint, h.pageLimit);
        expect(second.records.map((r) => h.keyOf(r)).sort()).toEqual([keyOfIndex(1), keyOfIndex(3)]);
        expect(second.records.every((r) => r.echo !== true)).toBe(true);
        const third = await readAll(h.connector, h.entity, second.checkpoint, h.pageLimit);
        expect(third.records).toEqual([]);
      });

      it('marks records syncspec itself created or updated as echoes', async () => {
        await h.seedChanges([{ key: keyOfIndex(0), at: instant(0) }]);
        expectAll(await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['E1', 'E2'], 1)), 'ok');
        expectAll(await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['E2'], 2)), 'ok');
        const { records } = await readAll(h.connector, h.entity, undefined, h.pageLimit);
        const echo = Object.fromEntries(records.map((r) => [h.keyOf(r), r.echo === true]));
        expect(echo).toEqual({ [keyOfIndex(0)]: false, E1: true, E2: true });
      });

      it('scans every record once, in id order', async () => {
        await h.seedChanges(Array.from({ length: 23 }, (_, i) => ({ key: keyOfIndex(i), at: instant(i % 4) })));
        const pages: SourceRecord[][] = [];
        for await (const page of h.connector.scan(h.entity, { pageSize: 5 })) pages.push(page);
        const ids = pages.flat().map((r) => r.id);
        expect(ids.length).toBe(23);
        expect(ids).toEqual([...ids].sort());
        expect(new Set(ids).size).toBe(23);
      });
    });

    describe('upsert', () => {
      it('is idempotent: the same batch twice creates each key once and converges', async () => {
        const keys = ['U1', 'U2', 'U3', 'U4', 'U5'];
        const first = await h.connector.upsertBatch(h.entity, h.keyField, items(h, keys, 1));
        expectAll(first, 'ok');
        expect(first.map((r) => r.key)).toEqual(keys);
        const second = await h.connector.upsertBatch(h.entity, h.keyField, items(h, keys, 1));
        expectAll(second, 'ok');
        for (const [i, key] of keys.entries()) {
          expect((await h.effects(key)).creates).toBe(1);
          const a = first[i];
          const b = second[i];
          if (a?.status === 'ok' && b?.status === 'ok') expect(b.targetId).toBe(a.targetId);
          expect(await h.storedMatches(key, 1)).toBe(true);
        }
      });

      it('updates to the newest version, and a key repeated in one batch is applied in order', async () => {
        await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['V1'], 1));
        const results = await h.connector.upsertBatch(h.entity, h.keyField, [...items(h, ['V1', 'V2'], 2), ...items(h, ['V2'], 3)]);
        expectAll(results, 'ok');
        expect(results.map((r) => r.key)).toEqual(['V1', 'V2', 'V2']);
        expect(await h.storedMatches('V1', 2)).toBe(true);
        expect(await h.storedMatches('V2', 3)).toBe(true);
        expect((await h.effects('V2')).creates).toBe(1);
      });

      it('maps per-record rejects back by index and applies the rest', async () => {
        const batch: UpsertItem[] = [
          ...items(h, ['R1'], 1),
          { key: 'R2', idempotencyKey: 'R2@v1', record: h.invalidRecord('R2') },
          ...items(h, ['R3'], 1),
        ];
        const results = await h.connector.upsertBatch(h.entity, h.keyField, batch);
        expect(results.map((r) => [r.key, r.status])).toEqual([['R1', 'ok'], ['R2', 'reject'], ['R3', 'ok']]);
        const rejected = results[1];
        if (rejected?.status === 'reject') {
          expect(['rejected', 'bad-mapping']).toContain(rejected.error.class);
          expect(rejected.error.code).toMatch(/^SS51[5-9]\d$/);
          expect(rejected.error.vendorCode).toBeTruthy();
        }
        expect(await h.effects('R2')).toEqual(expect.objectContaining({ creates: 0, updates: 0 }));
        expect((await h.storedMatches('R1', 1)) && (await h.storedMatches('R3', 1))).toBe(true);
      });

      if (options.ambiguousKeys) {
        it('refuses a key that matches several target records (SS5163) and writes nothing for it', async () => {
          await h.seedDuplicateTarget!('DUP');
          const results = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['DUP', 'OK1'], 1));
          expect(results.map((r) => r.status)).toEqual(['reject', 'ok']);
          expect(results[0]).toMatchObject({ error: { code: 'SS5163', class: 'rejected' } });
          expect(await h.effects('DUP')).toEqual(expect.objectContaining({ creates: 0, updates: 0 }));
        });
      }

      it('declares its vendor batch limit', () => {
        expect(Number.isInteger(h.connector.maxBatchSize) && h.connector.maxBatchSize > 0).toBe(true);
      });
    });

    describe('faults', () => {
      it('classifies a 5xx burst as retryable, then succeeds without a duplicate effect', async () => {
        await h.setFaults({ next: ['error', 'error'] });
        for (let i = 0; i < 2; i++) {
          const r = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['F1', 'F2'], 1));
          expectAll(r, 'retry', 'retryable');
        }
        expectAll(await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['F1', 'F2'], 1)), 'ok');
        expect((await h.effects('F1')).creates).toBe(1);
        expect((await h.effects('F2')).creates).toBe(1);
      });

      if (options.throttling ?? true) {
        it('classifies the vendor limit signal as throttled with Retry-After honoured', async () => {
          await h.setFaults({ next: ['throttle'], retryAfterSeconds: 7 });
          const r = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['T1'], 1));
          expect(r[0]).toEqual({ key: 'T1', status: 'retry', error: expect.objectContaining({ class: 'throttled', code: 'SS5155', retryAfterMs: 7000 }) });
          await h.setFaults({ next: ['throttle'], retryAfterSeconds: 3 });
          const f = await failureOf(h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit }));
          expect(f.error).toEqual(expect.objectContaining({ class: 'throttled', retryAfterMs: 3000 }));
        });
      }

      it('times out a hanging call as retryable SS5153', async () => {
        const quick = h.withTimeout(250);
        extra.push(quick);
        // No warm-up: the short timeout must only ever meet the hanging request (login or data call), never a
        // normal one on a busy machine.
        await h.setFaults({ next: ['hang'] });
        const f = await failureOf(quick.readChanges(h.entity, undefined, { limit: h.pageLimit }));
        expect(f.error).toEqual(expect.objectContaining({ code: 'SS5153', class: 'retryable' }));
        await h.setFaults({ next: ['hang'] });
        const r = await quick.upsertBatch(h.entity, h.keyField, items(h, ['H1'], 1));
        expect(r[0]).toEqual({ key: 'H1', status: 'retry', error: expect.objectContaining({ code: 'SS5153' }) });
      });

      it('classifies a dropped connection as retryable SS5152', async () => {
        await h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit });
        await h.setFaults({ next: ['drop'] });
        const r = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['D1'], 1));
        expect(r[0]).toEqual({ key: 'D1', status: 'retry', error: expect.objectContaining({ code: 'SS5152', class: 'retryable' }) });
        expect((await h.effects('D1')).creates).toBe(0);
      });

      it('survives an answer lost after the write took effect: the retry creates nothing new', async () => {
        await h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit });
        if (h.dropWriteAnswers) await h.dropWriteAnswers(2);
        else await h.setFaults({ next: ['dropAfterWrite'], pathContains: h.writePathContains });
        const lost = await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['L1', 'L2'], 1));
        expectAll(lost, 'retry', 'retryable');
        expect((await h.effects('L1')).creates).toBe(1);
        expectAll(await h.connector.upsertBatch(h.entity, h.keyField, items(h, ['L1', 'L2'], 1)), 'ok');
        expect((await h.effects('L1')).creates).toBe(1);
        expect((await h.effects('L2')).creates).toBe(1);
        expect(await h.storedMatches('L2', 1)).toBe(true);
      });

      it('passes a caller abort through as the abort reason, not a vendor outcome', async () => {
        const ac = new AbortController();
        ac.abort(new Error('shutting down'));
        await expect(h.connector.readChanges(h.entity, undefined, { limit: h.pageLimit }, ac.signal)).rejects.toThrow('shutting down');
        await expect(h.connector.upsertBatch(h.entity, h.keyField, items(h, ['X1'], 1), ac.signal)).rejects.toThrow('shutting down');
      });
    });

    if (options.webhooks) {
      describe('webhooks', () => {
        let receiver: Receiver;
        beforeEach(async () => {
          receiver = await startReceiver(h.connector);
        });
        afterEach(async () => {
          await receiver.close();
        });

        it('accepts a genuine push and returns one event per change with the vendor delivery id', async () => {
          await h.seedChanges([0, 1, 2].map((i) => ({ key: keyOfIndex(i), at: instant(i) })));
          const reports = await h.webhook!.push(receiver.url, [0, 1, 2].map(keyOfIndex));
          expect(reports.every((r) => r.accepted && r.attempts === 1)).toBe(true);
          const events = receiver.received.flatMap((r) => (r.outcome.ok ? r.outcome.events : []));
          expect(events.map((e) => h.keyOf(e.record)).sort()).toEqual([0, 1, 2].map(keyOfIndex));
          expect(new Set(events.map((e) => e.deliveryId)).size).toBe(3);
          for (const e of events) expect(e.record.id).toBeTruthy();
        });

        it('keeps delivery ids stable across duplicate and out-of-order delivery (the inbox dedupes on them)', async () => {
          await h.seedChanges([0, 1, 2].map((i) => ({ key: keyOfIndex(i), at: instant(i) })));
          await h.webhook!.push(receiver.url, [0, 1, 2].map(keyOfIndex), { duplicate: true, reorder: true });
          const events = receiver.received.flatMap((r) => (r.outcome.ok ? r.outcome.events : []));
          const ids = events.map((e) => e.deliveryId);
          expect(ids.length).toBe(6);
          expect(new Set(ids).size).toBe(3);
          const firstRound = events.slice(0, 3).map((e) => h.keyOf(e.record));
          expect(firstRound).toEqual([...firstRound].sort().reverse());
        });

        it('refuses a forged push (SS5159) and a malformed one (SS5161)', async () => {
          await h.seedChanges([{ key: keyOfIndex(0), at: instant(0) }]);
          await h.webhook!.push(receiver.url, [keyOfIndex(0)]);
          const genuine = (receiver.received[0] as { request: WebhookRequest }).request;
          const forged = h.connector.verifyWebhook!(h.webhook!.forge(genuine));
          expect(forged).toEqual(expect.objectContaining({ ok: false, code: 'SS5159' }));
          const malformed = h.connector.verifyWebhook!({ ...genuine, body: Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]>{"op":') });
          expect(malformed.ok).toBe(false);
          if (!malformed.ok) expect(['SS5159', 'SS5161']).toContain(malformed.code);
        });

        it('answers a replayed delivery with the same delivery ids, and refuses it once stale', async () => {
          await h.seedChanges([{ key: keyOfIndex(0), at: instant(0) }]);
          await h.webhook!.push(receiver.url, [keyOfIndex(0)]);
          const first = receiver.received[0] as { request: WebhookRequest; outcome: { ok: boolean } };
          const replay = h.connector.verifyWebhook!(first.request);
          expect(replay).toEqual(first.outcome);
          if (h.webhook!.advanceClock && h.webhook!.windowMs !== undefined) {
            h.webhook!.advanceClock(h.webhook!.windowMs + 1000);
            expect(h.connector.verifyWebhook!(first.request)).toEqual(expect.objectContaining({ ok: false, code: 'SS5160' }));
          }
        });
      });
    }
  });
}

/**
 * Seeded random 5xx, 429 and dropped connections under three waves of upserts, retried as the worker
 * would: every key ends created once and carrying the last version.
 */
export function convergesUnderRandomFaults(name: string, start: () => Promise<ContractHarness>): void {
  describe(`${name} under seeded random faults`, () => {
    it('converges: every key created once and updated to the last version, whatever the 5xx / 429 / dropped-connection sequence', async () => {
      const h = await start();
      try {
        h.setFaults({ seed: 11, errorRate: 0.1, throttleRate: 0.05, dropRate: 0.05 });
        const keys = Array.from({ length: 30 }, (_, i) => `CH${String(i).padStart(2, '0')}`);
        for (let variant = 1; variant <= 3; variant++) {
          let pending = keys;
          for (let round = 0; round < 60 && pending.length > 0; round++) {
            const retry: string[] = [];
            for (let i = 0; i < pending.length; i += 5) {
              const chunk = pending.slice(i, i + 5).map((key) => ({ key, idempotencyKey: `${key}@${variant}`, record: h.validRecord(key, variant) }));
              const results = await h.connector.upsertBatch(h.entity, h.keyField, chunk);
              expect(results.filter((r) => r.status === 'reject')).toEqual([]);
              retry.push(...results.filter((r) => r.status === 'retry').map((r) => r.key));
            }
            pending = retry;
          }
          expect(pending).toEqual([]);
        }
        expect(h.stats().faults).toBeGreaterThanOrEqual(3);
        for (const key of keys) {
          expect(h.effects(key).creates, key).toBe(1);
          expect(h.storedMatches(key, 3), key).toBe(true);
        }
      } finally {
        await h.close();
      }
    });
  });
}
