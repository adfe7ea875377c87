/**
 * Group commit: calls that arrive while a commit is in flight (or within the same event-loop turn) are
 * committed together in one transaction, each caller resolved with its own result once it is durable.
 * One fsync / round trip then covers many webhooks instead of one each.
 */
export class GroupCommit<I, R> {
  #run: (batch: I[]) => Promise<R[]>;
  #queue: { input: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #busy = 0;
  #maxInFlight: number;
  #scheduled = false;

  /** `maxInFlight` > 1 overlaps commits (a server store: round trips, not the disk, are the limit). */
  constructor(run: (batch: I[]) => Promise<R[]>, maxInFlight = 1) {
    this.#run = run;
    this.#maxInFlight = Math.max(1, maxInFlight);
  }

  submit(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#busy >= this.#maxInFlight || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#busy >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#busy++;
    const batch = this.#queue;
    this.#queue = [];
    try {
      const results = await this.#run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(results[i] as R));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.#busy--;
      if (this.#queue.length > 0) this.#kick();
    }
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#busy > 0 || this.#scheduled || this.#queue.length > 0) await new Promise<void>((r) => setImmediate(r));
  }
}
