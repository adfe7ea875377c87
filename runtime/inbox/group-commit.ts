/**
 * Group commit: calls that arrive while a commit is in flight (or within the same event-loop turn) are
 * committed together in one transaction, each caller resolved with its own result once it is durable.
 * One fsync / round trip then covers many webhooks instead of one each.
 */
export class GroupCommit<I, R> {
  #run: (batch: I[]) => Promise<R[]>;
  #queue: { input: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #busy = false;
  #scheduled = false;

  constructor(run: (batch: I[]) => Promise<R[]>) {
    this.#run = run;
  }

  submit(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#busy || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#busy || this.#queue.length === 0) return;
    this.#busy = true;
    const batch = this.#queue;
    this.#queue = [];
    try {
      const results = await this.#run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(results[i] as R));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.#busy = false;
      if (this.#queue.length > 0) this.#kick();
    }
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#busy || this.#scheduled || this.#queue.length > 0) await new Promise<void>((r) => setImmediate(r));
  }
}
