/**
 * The poll trigger: read every page of changes since the stored position (minus the overlap window),
 * store them in the inbox page by page, wait until every record the poll covered is delivered or
 * dead-lettered, and only then move the cursor — recording the move. A crash before the move repeats the
 * window, and the inbox dedupe (id, version) makes that repetition free.
 */
import type { Clock } from '../clock.ts';
import type { InboxStore } from '../inbox/store.ts';
import type { Intake } from '../intake/intake.ts';
import type { Logger } from '../ops/log.ts';
import type { TriggerKind } from '../ops/metrics.ts';
import type { Connector, CursorPosition } from '../support/connector.ts';
import { comparePositions, maxPosition, minusOverlap, positionOf } from './position.ts';

export interface PollerOptions {
  spec: string;
  entity: string;
  source: Connector;
  store: InboxStore;
  intake: Intake;
  clock: Clock;
  log: Logger;
  everyMs: number;
  overlapMs?: number;
  pageSize?: number;
  /** How often to check whether the covered records are settled. */
  settleCheckMs?: number;
  trigger?: TriggerKind;
}

export interface PollResult {
  read: number;
  stored: number;
  from: CursorPosition | undefined;
  to: CursorPosition | undefined;
  advanced: boolean;
}

const SETTLE_CHUNK = 500;

export class Poller {
  #o: PollerOptions;
  #running: Promise<void> | undefined;
  #stop = new AbortController();

  constructor(options: PollerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('poller stopped'));
    await this.#running;
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.pollOnce(signal);
      } catch (err) {
        if (signal.aborted) return;
        this.#o.log.warn({ code: 'SS5040', spec: this.#o.spec, err: err instanceof Error ? err.message : String(err) }, 'poll failed; cursor not moved');
      }
      await this.#o.clock.sleep(this.#o.everyMs, signal).catch(() => undefined);
    }
  }

  async pollOnce(signal?: AbortSignal): Promise<PollResult> {
    const { spec, entity, source, store, intake, clock, log } = this.#o;
    const from = (await store.getCursor(spec)).position;
    const since = from ? minusOverlap(from, this.#o.overlapMs ?? 0) : undefined;
    let next: string | undefined;
    let read = 0;
    let stored = 0;
    let seenMax: CursorPosition | undefined;
    let checkpoint: CursorPosition | undefined;
    let sawCheckpoint = false;
    const covered: { sourceId: string; sourceVersion: string }[] = [];
    do {
      signal?.throwIfAborted();
      const page = await source.readChanges(entity, since, { ...(next !== undefined ? { next } : {}), limit: this.#o.pageSize ?? 500 }, signal);
      read += page.records.length;
      // Within the overlap everything is offered again: the inbox dedupe drops what was already stored.
      const r = await intake.accept(spec, this.#o.trigger ?? 'poll', page.records.map((record) => ({ record })));
      stored += r.inserted;
      for (const rec of page.records) {
        if (!rec.echo) covered.push({ sourceId: rec.id, sourceVersion: rec.version });
        seenMax = maxPosition(seenMax, positionOf(rec));
      }
      if (page.checkpoint) {
        sawCheckpoint = true;
        checkpoint = maxPosition(checkpoint, page.checkpoint);
      }
      next = page.next;
    } while (next !== undefined);

    await this.#waitSettled(covered, signal);
    // A connector that gives checkpoints decides how far is safe; otherwise the newest position read is.
    const target = sawCheckpoint ? checkpoint : seenMax;
    const advanced = target !== undefined && (from === undefined || comparePositions(target, from) > 0);
    if (advanced) {
      await store.moveCursor(spec, target, 'poll', `poll covered ${read} records (${stored} new)`, clock.now());
      log.info({ code: 'SS5041', spec, read, stored, to: target }, 'poll cursor advanced');
    }
    return { read, stored, from, to: advanced ? target : from, advanced };
  }

  async #waitSettled(refs: { sourceId: string; sourceVersion: string }[], signal?: AbortSignal): Promise<void> {
    let i = 0;
    while (i < refs.length) {
      const chunk = refs.slice(i, i + SETTLE_CHUNK);
      if ((await this.#o.store.unsettled(this.#o.spec, chunk)) === 0) {
        i += chunk.length;
        continue;
      }
      await this.#o.clock.sleep(this.#o.settleCheckMs ?? 100, signal);
    }
  }
}
