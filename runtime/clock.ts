/**
 * Time as a dependency (style.md §2.22): backoff, batch flush, polling, leases and cron all read the
 * clock they are given, so unit tests drive them with `manualClock` and never sleep.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface ManualClock extends Clock {
  /** Moves time forward and wakes every sleeper whose deadline has passed, in deadline order. */
  advance(ms: number): Promise<void>;
  /** Number of sleepers still waiting. */
  readonly pending: number;
}

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

export function manualClock(start = 0): ManualClock {
  let t = start;
  let seq = 0;
  let sleepers: Sleeper[] = [];
  const flush = async (): Promise<void> => {
    // Let continuations of woken sleepers run (and possibly sleep again) before returning.
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => t,
    get pending() {
      return sleepers.length;
    },
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = { at: t + Math.max(0, ms), seq: seq++, wake: resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers = sleepers.filter((s) => s !== sleeper);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const target = t + ms;
      for (;;) {
        const due = sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        t = Math.max(t, due.at);
        sleepers = sleepers.filter((s) => s !== due);
        due.wake();
        await flush();
      }
      t = target;
      await flush();
    },
  };
}
