/** Runs the real kubectl (extracted by scripts/kube-tools.ts) against a kubeconfig with its own cache dir. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath } from '../../scripts/kube-tools.ts';
import { kubeconfigYaml } from './kubeconfig.ts';

export interface KubectlContext {
  kubeconfig: string;
  cacheDir: string;
  /** The temporary directory holding both; remove it with `disposeContext`. */
  dir: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubeconfig file and a fresh cache dir, so discovery cached for another server is never reused. */
export function kubectlContext(serverUrl: string): KubectlContext {
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, kubeconfigYaml(serverUrl));
  return { kubeconfig, cacheDir: join(dir, 'cache'), dir };
}

export function disposeContext(ctx: KubectlContext): void {
  rmSync(ctx.dir, { recursive: true, force: true });
}

function env(ctx: KubectlContext): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: ctx.kubeconfig, KUBECACHEDIR: ctx.cacheDir, HOME: join(ctx.cacheDir, '..') };
}

/** Runs kubectl to completion; a non-zero exit is a result, not an exception. */
export function kubectl(args: string[], ctx: KubectlContext, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    execFile(kubectlPath(), [...args, '--cache-dir', ctx.cacheDir], { env: env(ctx), timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** Starts kubectl in the background (`wait`, `get -w`); `done` resolves with its result, `stdout()` reads it so far. */
export function kubectlBackground(args: string[], ctx: KubectlContext): { done: Promise<KubectlResult>; stdout: () => string; stop: () => void } {
  const child = spawn(kubectlPath(), [...args, '--cache-dir', ctx.cacheDir], { env: env(ctx) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const done = new Promise<KubectlResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { done, stdout: () => stdout, stop: () => void child.kill('SIGTERM') };
}
