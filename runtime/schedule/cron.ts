/**
 * Cron schedules with IANA time zones. croner computes the next fire time (DST-correct in the zone);
 * the waiting is done on the injected clock, so tests run a day of schedule in microseconds and a
 * schedule never fires twice for one slot or overlaps its previous run.
 */
import { Cron } from 'croner';
import type { Clock } from '../clock.ts';
import type { Logger } from '../ops/log.ts';

export type ScheduleCheck = { ok: true; cron: Cron } | { ok: false; code: 'SS5050'; message: string };

export function compileSchedule(expression: string, timezone: string | undefined): ScheduleCheck {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      return { ok: false, code: 'SS5050', message: `unknown IANA time zone "${timezone}"` };
    }
  }
  try {
    return { ok: true, cron: new Cron(expression, { paused: true, ...(timezone !== undefined ? { timezone } : {}) }) };
  } catch (err) {
    return { ok: false, code: 'SS5050', message: `invalid cron "${expression}": ${err instanceof Error ? err.message : String(err)}` };
  }
}

export interface ScheduleOptions {
  spec: string;
  expression: string;
  timezone?: string | undefined;
  clock: Clock;
  log: Logger;
  run: (firedAt: number) => Promise<void>;
}

export class Schedule {
  #o: ScheduleOptions;
  #cron: Cron;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: ScheduleOptions) {
    const c = compileSchedule(options.expression, options.timezone);
    if (!c.ok) throw new Error(c.message);
    this.#o = options;
    this.#cron = c.cron;
  }

  /** The next fire time strictly after `after` (epoch ms), or undefined when the pattern never fires again. */
  nextAfter(after: number): number | undefined {
    return this.#cron.nextRun(new Date(after))?.getTime();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('schedule stopped'));
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { clock, log, spec } = this.#o;
    const signal = this.#stop.signal;
    let from = clock.now();
    while (!signal.aborted) {
      const next = this.nextAfter(from);
      if (next === undefined) return;
      try {
        await clock.sleep(next - clock.now(), signal);
      } catch {
        return;
      }
      log.info({ code: 'SS5051', spec, firedAt: new Date(next).toISOString() }, 'schedule fired');
      try {
        await this.#o.run(next);
      } catch (err) {
        log.warn({ code: 'SS5040', spec, err: err instanceof Error ? err.message : String(err) }, 'scheduled run failed');
      }
      // A run longer than the period skips the slots it overlapped instead of firing them back to back.
      from = Math.max(next, clock.now());
    }
  }
}
