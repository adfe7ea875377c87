/**
 * `generate` for large repositories across worker threads. Mapping checks, CEL compilation and emit are
 * independent per spec, so the specs are dealt round-robin (in name order) to workers that each load the
 * repo from the same texts; the results are assembled exactly as a single-threaded run would, so the
 * output is byte-for-byte the same. Small repos stay on the main thread: a worker costs ~0.3 s to start.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LoadedDocument } from '../model.ts';
import type { MappingRepo } from '../mapping/types.ts';
import { assemble, generateFiles, type GenerateOutput, type SpecsOutput } from './generate.ts';
import type { WorkerInput } from './parallel-worker.ts';

/** Below this many specs one thread is faster than starting workers. */
export const PARALLEL_THRESHOLD = 200;

export async function generateParallel(
  docs: readonly LoadedDocument[],
  repo: MappingRepo,
  sources: ReadonlyMap<string, string | undefined>,
  options: { workers?: number; threshold?: number } = {},
): Promise<GenerateOutput> {
  const workers = options.workers ?? Math.min(4, availableParallelism());
  const names = docs
    .filter((d) => d.kind === 'SyncSpec' && d.name !== undefined)
    .map((d) => d.name as string)
    .sort();
  if (workers < 2 || names.length < (options.threshold ?? PARALLEL_THRESHOLD)) return generateFiles(docs, repo);
  const shares = Array.from({ length: workers }, (_, w) => names.filter((_, i) => i % workers === w));
  // Files holding SyncSpecs go only to the workers that compile one of them; every other file goes to all.
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
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<SpecsOutput>((resolve, reject) => {
          const worker = new Worker(new URL('./parallel-worker.ts', import.meta.url), { workerData: { sources: texts(share), names: share, specBodies } satisfies WorkerInput });
          worker.once('message', (m: SpecsOutput) => resolve(m));
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (code !== 0) reject(new Error(`generate worker exited with code ${code}`));
          });
        }),
    ),
  );
  return assemble(docs, parts);
}
