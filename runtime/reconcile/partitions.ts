/**
 * Hash-partitioned key store for one reconciliation: source entries live in memory per partition
 * until a byte budget is reached, then whole partitions spill to temp files, so memory stays bounded
 * whatever the record count and whatever order each system returns its records in.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** FNV-1a over UTF-16 code units: cheap, stable across runs, good enough to spread keys. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** A source entry as stored: `id` and the canonical JSON of its normalised fields. */
export interface StoredEntry {
  id: string;
  canonical: string;
}

const SEP = '\t';
const encodeLine = (key: string, e: StoredEntry): string => `${JSON.stringify(key)}${SEP}${JSON.stringify(e.id)}${SEP}${e.canonical}\n`;

function decodeLine(line: string): { key: string; entry: StoredEntry } {
  // key and id are JSON strings (they cannot contain a raw tab); the rest of the line is the canonical JSON.
  const a = line.indexOf(SEP);
  const b = line.indexOf(SEP, a + 1);
  return {
    key: JSON.parse(line.slice(0, a)) as string,
    entry: { id: JSON.parse(line.slice(a + 1, b)) as string, canonical: line.slice(b + 1) },
  };
}

export class PartitionedStore {
  readonly partitions: number;
  readonly #budgetBytes: number;
  readonly #memory: (Map<string, StoredEntry> | undefined)[];
  readonly #bytes: number[];
  #totalBytes = 0;
  #dir: string | undefined;
  readonly #spilled = new Set<number>();
  /** Lines waiting to be appended per spill file; flushed in chunks to keep syscalls few. */
  readonly #pending = new Map<string, string[]>();
  #pendingCount = 0;

  constructor(opts: { partitions?: number; budgetBytes?: number } = {}) {
    this.partitions = opts.partitions ?? 64;
    this.#budgetBytes = opts.budgetBytes ?? 256 * 1024 * 1024;
    this.#memory = Array.from({ length: this.partitions }, () => new Map<string, StoredEntry>());
    this.#bytes = new Array<number>(this.partitions).fill(0);
  }

  get spilledCount(): number {
    return this.#spilled.size;
  }

  isSpilled(p: number): boolean {
    return this.#spilled.has(p);
  }

  /** Adds a source entry. Returns the entry it replaced (a duplicate key on the source side), if any. */
  putSource(key: string, entry: StoredEntry): StoredEntry | undefined {
    const p = partitionOf(key, this.partitions);
    const map = this.#memory[p];
    if (!map) {
      this.#append(this.#file(p, 'source'), encodeLine(key, entry));
      return undefined;
    }
    const previous = map.get(key);
    map.set(key, entry);
    // Rough size: UTF-16 strings plus Map overhead; only used to decide when to spill.
    const size = 2 * (key.length + entry.id.length + entry.canonical.length) + 96;
    this.#bytes[p] = (this.#bytes[p] ?? 0) + size;
    this.#totalBytes += size;
    if (this.#totalBytes > this.#budgetBytes) this.#spillLargest();
    return previous;
  }

  /** Removes and returns the source entry for `key` when its partition is in memory. */
  takeSource(key: string, p = partitionOf(key, this.partitions)): StoredEntry | undefined | 'spilled' {
    const map = this.#memory[p];
    if (!map) return 'spilled';
    const e = map.get(key);
    if (e) map.delete(key);
    return e;
  }

  /** Parks a target line for a spilled partition, to be matched when that partition is replayed. */
  parkTarget(p: number, key: string, entry: StoredEntry): void {
    this.#append(this.#file(p, 'target'), encodeLine(key, entry));
  }

  /** Source entries left in memory (never matched by a target record), partition by partition. */
  *remainingInMemory(): Iterable<[string, StoredEntry]> {
    for (const map of this.#memory) if (map) yield* map;
  }

  /** Replays spilled partitions one at a time: the caller gets that partition's source map and its target lines. */
  async *spilledPartitions(): AsyncIterable<{ source: Map<string, StoredEntry>; targets: AsyncIterable<{ key: string; entry: StoredEntry }> }> {
    this.#flush();
    for (const p of [...this.#spilled].sort((a, b) => a - b)) {
      const source = new Map<string, StoredEntry>();
      for await (const { key, entry } of readLines(this.#file(p, 'source'))) source.set(key, entry);
      yield { source, targets: readLines(this.#file(p, 'target')) };
    }
  }

  close(): void {
    this.#pending.clear();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  #spillLargest(): void {
    let largest = -1;
    for (let p = 0; p < this.partitions; p++) if (this.#memory[p] && (largest < 0 || (this.#bytes[p] ?? 0) > (this.#bytes[largest] ?? 0))) largest = p;
    const map = this.#memory[largest];
    if (!map) return;
    const file = this.#file(largest, 'source');
    for (const [key, entry] of map) this.#append(file, encodeLine(key, entry));
    this.#memory[largest] = undefined;
    this.#totalBytes -= this.#bytes[largest] ?? 0;
    this.#bytes[largest] = 0;
    this.#spilled.add(largest);
  }

  #file(p: number, side: 'source' | 'target'): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'syncspec-reconcile-'));
    return join(this.#dir, `${side}-${p}.jsonl`);
  }

  #append(file: string, line: string): void {
    let lines = this.#pending.get(file);
    if (!lines) this.#pending.set(file, (lines = []));
    lines.push(line);
    if (++this.#pendingCount >= 4096) this.#flush();
  }

  #flush(): void {
    for (const [file, lines] of this.#pending) appendFileSync(file, lines.join(''));
    this.#pending.clear();
    this.#pendingCount = 0;
  }
}

async function* readLines(file: string): AsyncIterable<{ key: string; entry: StoredEntry }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line) yield decodeLine(line);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // a partition with no target lines has no file
  }
}
