/**
 * `generate` for large repositories across threads. Mapping checks, CEL compilation and emit are
 * independent per spec, so the specs are dealt round-robin (in name order) to the main thread and to
 * worker threads that load the same texts; the results are assembled exactly as a single-threaded run
 * would, so the output is byte-for-byte the same. The main thread keeps a share of the work; small
 * repos and small machines stay on one thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LoadedDocument } from '../model.ts';
import type { MappingRepo } from '../mapping/types.ts';
import { assemble, generateFiles, generateSpecs, type GenerateOutput, type SpecsOutput } from './generate.ts';
import type { WorkerInput } from './parallel-worker.ts';

/** Below this many specs one thread is faster than starting a worker. */
export const PARALLEL_THRESHOLD = 200;

/**
 * Workers besides the main thread. Each costs ~0.8 s of start-up CPU and a cold JIT; measured on two
 * shared cores that ate the gain, so workers are used only from four cores up.
 */
export function defaultWorkers(cores = availableParallelism()): number {
  return cores >= 4 ? Math.min(3, cores - 1) : 0;
}

export async function generateParallel(
  docs: readonly LoadedDocument[],
  repo: MappingRepo,
  sources: ReadonlyMap<string, string | undefined>,
  options: { workers?: number; threshold?: number } = {},
): Promise<GenerateOutput> {
  const workers = options.workers ?? defaultWorkers();
  const names = docs
    .filter((d) => d.kind === 'SyncSpec' && d.name !== undefined)
    .map((d) => d.name as string)
    .sort();
  if (workers < 1 || names.length < (options.threshold ?? PARALLEL_THRESHOLD)) return generateFiles(docs, repo);
  const threads = workers + 1;
  const shares = Array.from({ length: threads }, (_, t) => names.filter((_, i) => i % threads === t));
  // Files holding SyncSpecs go only to the worker that compiles one of them; every other file goes to all.
  const specsOfFile = new Map<string, string[]>();
  for (const d of docs) if (d.kind === 'SyncSpec' && d.name !== undefined) specsOfFile.set(d.file, [...(specsOfFile.get(d.file) ?? []), d.name]);
  const texts = (share: readonly string[]): { file: string; content: string }[] => {
    const mine = new Set(share);
    return [...sources]
      .filter((e): e is [string, string] => e[1] !== undefined)
      .filter(([file]) => !specsOfFile.has(file) || (specsOfFile.get(file) ?? []).some((n) => mine.has(n)))
      .map(([file, content]) => ({ file, content }));
  };
  const specBodies = [...repo.specs];
  const pending = shares.slice(1).map(
    (share) =>
      new Promise<SpecsOutput>((resolve, reject) => {
        const worker = new Worker(new URL('./parallel-worker.ts', import.meta.url), { workerData: { sources: texts(share), names: share, specBodies } satisfies WorkerInput });
        worker.once('message', (m: SpecsOutput) => resolve(m));
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`generate worker exited with code ${code}`));
        });
      }),
  );
  // The main thread's share runs while the workers start and work.
  const { compiled: _compiled, ...mine } = generateSpecs(docs, repo, new Set(shares[0]));
  void _compiled;
  return assemble(docs, [mine, ...(await Promise.all(pending))]);
}
