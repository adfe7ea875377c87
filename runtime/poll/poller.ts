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
import type { Connector, CursorPosition, ReadPage } from '../support/connector.ts';
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
  /**
   * Records read but not yet delivered (or dead-lettered) before the poll stops reading and waits:
   * bounds memory and the inbox backlog of a large backfill. Default 100,000.
   */
  maxUnsettled?: number;
  /** Settled records between two intermediate cursor moves of a long poll; default 50,000. */
  checkpointEvery?: number;
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

type Ref = { sourceId: string; sourceVersion: string };

/** The records of one page still to settle, and the position the connector vouched for after it. */
interface Window {
  refs: Ref[];
  /** Offset of the first ref not yet seen settled (refs before it were). */
  done: number;
  /** The page's checkpoint, when the connector gives one (only those are safe to move to mid-poll). */
  checkpoint: CursorPosition | undefined;
}

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

  /**
   * Reads page after page (the next page is fetched while this one is stored), stores each, and moves
   * the cursor once everything read is settled. A long poll (a backfill) also moves it part-way: when
   * the pages up to a connector checkpoint are settled, every `checkpointEvery` records — so a restart
   * does not read them again — and it stops reading while `maxUnsettled` records wait for delivery.
   */
  async pollOnce(signal?: AbortSignal): Promise<PollResult> {
    const { spec, entity, source, store, intake, clock, log } = this.#o;
    const maxUnsettled = this.#o.maxUnsettled ?? 100_000;
    const checkpointEvery = this.#o.checkpointEvery ?? 50_000;
    const from = (await store.getCursor(spec)).position;
    const since = from ? minusOverlap(from, this.#o.overlapMs ?? 0) : undefined;
    const limit = this.#o.pageSize ?? 500;
    let read = 0;
    let stored = 0;
    let seenMax: CursorPosition | undefined;
    let checkpoint: CursorPosition | undefined;
    let sawCheckpoint = false;
    /** Where the cursor stands now (moved part-way by this poll, or where it started). */
    let current = from;
    let movedAny = false;
    const windows: Window[] = [];
    let unsettled = 0;
    let settledSinceMove = 0;
    /** The newest checkpoint whose pages (and all before them) are settled. */
    let settledCheckpoint: CursorPosition | undefined;

    const move = async (to: CursorPosition, why: string): Promise<void> => {
      await store.moveCursor(spec, to, 'poll', why, clock.now());
      current = to;
      movedAny = true;
    };
    /** Drops settled windows from the front; with `wait`, until `unsettled` is at most `target`. */
    const settleFront = async (target: number): Promise<void> => {
      while (windows.length > 0 && unsettled > target) {
        const w = windows[0] as Window;
        const before = w.done;
        await this.#advanceSettled(w);
        unsettled -= w.done - before;
        settledSinceMove += w.done - before;
        if (w.done < w.refs.length) {
          await clock.sleep(this.#o.settleCheckMs ?? 100, signal);
          continue;
        }
        windows.shift();
        if (w.checkpoint) settledCheckpoint = maxPosition(settledCheckpoint, w.checkpoint);
        if (settledSinceMove >= checkpointEvery && settledCheckpoint && (current === undefined || comparePositions(settledCheckpoint, current) > 0)) {
          await move(settledCheckpoint, `poll in progress: ${read} records read, the first ${read - unsettled} settled`);
          settledSinceMove = 0;
        }
      }
    };

    let request: Promise<ReadPage> | undefined = source.readChanges(entity, since, { limit }, signal);
    try {
      while (request) {
        signal?.throwIfAborted();
        const page: ReadPage = await request;
        // Pipelined: the next page is on its way while this one is stored.
        request = page.next !== undefined ? source.readChanges(entity, since, { next: page.next, limit }, signal) : undefined;
        read += page.records.length;
        // Within the overlap everything is offered again: the inbox dedupe drops what was already stored.
        const r = await intake.accept(spec, this.#o.trigger ?? 'poll', page.records.map((record) => ({ record })));
        stored += r.inserted;
        const refs: Ref[] = [];
        for (const rec of page.records) {
          if (!rec.echo) refs.push({ sourceId: rec.id, sourceVersion: rec.version });
          seenMax = maxPosition(seenMax, positionOf(rec));
        }
        if (page.checkpoint) {
          sawCheckpoint = true;
          checkpoint = maxPosition(checkpoint, page.checkpoint);
        }
        windows.push({ refs, done: 0, checkpoint: page.checkpoint ? checkpoint : undefined });
        unsettled += refs.length;
        if (unsettled > maxUnsettled) await settleFront(maxUnsettled / 2);
      }
    } finally {
      // A failed or stopped poll leaves no read in flight whose failure nobody hears of.
      request?.catch(() => undefined);
    }

    await settleFront(0);
    // A connector that gives checkpoints decides how far is safe; otherwise the newest position read is.
    const target = sawCheckpoint ? checkpoint : seenMax;
    if (target !== undefined && (current === undefined || comparePositions(target, current) > 0)) {
      await move(target, `poll covered ${read} records (${stored} new)`);
    }
    const advanced = movedAny && (from === undefined || (current !== undefined && comparePositions(current, from) > 0));
    if (advanced) log.info({ code: 'SS5041', spec, read, stored, to: current }, 'poll cursor advanced');
    return { read, stored, from, to: advanced ? current : from, advanced };
  }

  /** Moves `w.done` past the refs that are settled, a chunk at a time, stopping at the first chunk that is not. */
  async #advanceSettled(w: Window): Promise<void> {
    while (w.done < w.refs.length) {
      const chunk = w.refs.slice(w.done, w.done + SETTLE_CHUNK);
      if ((await this.#o.store.unsettled(this.#o.spec, chunk)) > 0) return;
      w.done += chunk.length;
    }
  }
}
