/** Time as a dependency (style.md §2.22): the work queue, leases and resyncs read the clock they are given. */
export interface Clock {
  now(): number;
  /** A timer on this clock; returns its cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer whose deadline has passed, in deadline order. */
  advance(ms: number): void;
  pending(): number;
}

export function manualClock(start = 0): ManualClock {
  let t = start;
  let seq = 0;
  let timers: { at: number; seq: number; fn: () => void }[] = [];
  return {
    now: () => t,
    after(ms, fn) {
      const timer = { at: t + Math.max(0, ms), seq: seq++, fn };
      timers.push(timer);
      return () => { timers = timers.filter((x) => x !== timer); };
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        t = due.at;
        due.fn();
      }
      t = end;
    },
    pending: () => timers.length,
  };
}
