/**
 * SyncSpecs compile in a worker thread with a heap of its own, bounded by `resourceLimits`. A compile
 * allocates tens of megabytes that die young; on the operator's main thread that garbage made V8 grow
 * the young generation and old space to several times what the caches hold (peak RSS ~430 MB at 200
 * specs). In the thread the young generation is capped, so the garbage is collected early, and the main
 * thread keeps only informers and HTTP. One thread, one compile at a time (compiling is CPU-bound, so
 * more would not finish sooner); a thread that dies (out of memory, a crash) fails the compiles it had
 * and is started afresh on the next one.
 */
import module from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OperatorError } from '../controller/outcome.ts';
import type { CompileResult, SpecObject } from './context.ts';

export interface CompileLimits {
  /** Young generation of the thread's heap, MB (V8's default grows to 64 and more under a compile's garbage). */
  youngMb: number;
  /** Old generation, MB: a compile that needs more is failed with SS6024 and retried by the controller. */
  oldMb: number;
}

export const DEFAULT_COMPILE_LIMITS: CompileLimits = { youngMb: 8, oldMb: 192 };

interface Pending {
  resolve: (r: CompileResult) => void;
  reject: (err: Error) => void;
  spec: string;
}

type Reply = { id: number; result: CompileResult } | { id: number; error: string };

/**
 * The thread's environment: the process's, plus the compile cache the process enabled with
 * `module.enableCompileCache()` (bin/syncspec.js does), which a worker thread only uses when
 * NODE_COMPILE_CACHE says so. With a warm cache the thread loads no type stripper (~15 MB).
 */
export function compileCacheEnv(env: NodeJS.ProcessEnv = process.env, dir = module.getCompileCacheDir()): NodeJS.ProcessEnv {
  if (env.NODE_COMPILE_CACHE || dir === undefined) return env;
  // getCompileCacheDir() names the per-version subfolder Node keeps inside the folder it was given.
  return { ...env, NODE_COMPILE_CACHE: dirname(dir) };
}

export class CompileThread {
  readonly #limits: CompileLimits;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #next = 1;
  /** Threads started so far (a restart after a crash counts). */
  started = 0;

  constructor(limits: CompileLimits = DEFAULT_COMPILE_LIMITS) {
    this.#limits = limits;
  }

  compile(spec: string, objects: readonly SpecObject[]): Promise<CompileResult> {
    const worker = this.#ensure();
    const id = this.#next++;
    // Referenced while a compile is pending (its failure must be heard), unreferenced when idle.
    worker.ref();
    return new Promise<CompileResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, spec });
      worker.postMessage({ id, spec, objects });
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    this.#failAll(new OperatorError('SS6024', 'the compile thread was stopped'));
    if (w) await w.terminate();
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./compile-worker.ts', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: this.#limits.youngMb, maxOldGenerationSizeMb: this.#limits.oldMb },
      env: compileCacheEnv(),
    });
    this.started += 1;
    worker.on('message', (reply: Reply) => {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      // Idle, the thread must not keep the process alive; the operator's servers do that.
      if (this.#pending.size === 0) worker.unref();
      if ('error' in reply) p.reject(new OperatorError('SS6024', `compiling ${p.spec} failed in the compile thread: ${reply.error}`));
      else p.resolve(reply.result);
    });
    const gone = (why: string): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(new OperatorError('SS6024', `the compile thread ${why}; it is started again for the next compile`));
    };
    worker.on('error', (err) => gone(`failed: ${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}`));
    worker.on('exit', (code) => gone(`exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #failAll(err: OperatorError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}
