/**
 * The operator process: configuration from flags/env, a kubeconfig (file, in-cluster or default),
 * the manager with leader election and the health/metrics endpoint, and the controllers. Exits 0 on
 * SIGTERM/SIGINT after releasing the lease, 1 when the lease is lost (a fresh start campaigns again).
 * Runs as `syncspec operator …` or `node operator/main.ts …`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { parseConfig, USAGE, type OperatorConfig } from './config.ts';
import { systemClock, type Clock } from './controller/clock.ts';
import { Manager } from './controller/manager.ts';
import { OperatorMetrics } from './controller/metrics.ts';
import { SharedPoolKubeConfig } from './k8s/kubeconfig.ts';
import { kubeHttp } from './k8s/http.ts';
import { Resources } from './k8s/resources.ts';
import { EventRecorder } from './status/events.ts';
import { specSourceController } from './source/controller.ts';
import { syncSpecController } from './syncspec/controller.ts';
import type { WorkerReading } from './syncspec/health.ts';

export const FIELD_MANAGER = 'syncspec-operator';
export const STATUS_MANAGER = 'syncspec-operator-status';

export interface OperatorHandle {
  manager: Manager;
  metrics: OperatorMetrics;
  port: number;
  stop(): Promise<void>;
}

export function loadKubeConfig(config: OperatorConfig, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new SharedPoolKubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else if (config.inCluster) kc.loadFromCluster();
  else if (env.KUBECONFIG) kc.loadFromDefault();
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export async function startOperator(config: OperatorConfig, options: { kc: KubeConfig; log: Logger; clock?: Clock; readWorker?: (url: string) => Promise<WorkerReading> }): Promise<OperatorHandle> {
  const clock = options.clock ?? systemClock;
  const { kc, log } = options;
  const metrics = new OperatorMetrics({ processMetrics: true });
  const observe = (verb: string, kind: string): void => metrics.writes.inc({ verb, kind });
  const resources = new Resources(kc, { fieldManager: FIELD_MANAGER, statusManager: STATUS_MANAGER, observe });
  const events = new EventRecorder(kc, FIELD_MANAGER, log, () => observe('create', 'Event'));
  const manager = new Manager({
    kc, clock, log, metrics,
    leaderElection: config.leaderElect
      ? { namespace: config.leaseNamespace, name: config.leaseName, identity: config.identity, leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs }
      : undefined,
  });
  manager.add(syncSpecController({ kc, config, resources, events, clock, log, metrics, ...(options.readWorker ? { readWorker: options.readWorker } : {}) }));
  manager.add(specSourceController({ kc, config, events, clock, log, metrics }));
  const port = await manager.serve(config.metricsPort, config.metricsHost);
  manager.start();
  log.info({ code: 'SS6016', port, identity: config.identity, namespaces: config.namespaces.length > 0 ? config.namespaces : 'all', leaderElect: config.leaderElect }, 'operator started');
  return { manager, metrics, port, stop: () => manager.stop() };
}

/** The process entry: returns the exit code. */
export async function main(args: readonly string[], env: NodeJS.ProcessEnv, stderr: (s: string) => void): Promise<number> {
  const parsed = parseConfig(args, env);
  if (!parsed.ok) {
    stderr(`syncspec operator: ${parsed.problems.join('\n  ')}\nUsage: ${USAGE}\n`);
    return 2;
  }
  const config = parsed.config;
  const log = pino({ level: config.logLevel, base: { component: 'syncspec-operator', identity: config.identity }, redact: { paths: ['*.token', '*.authorization', '*.password'], censor: '[redacted]' } }, pino.destination(2));
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig(config, env);
  } catch (err) {
    stderr(`syncspec operator: cannot load a kubeconfig: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let handle: OperatorHandle;
  try {
    handle = await startOperator(config, { kc, log });
  } catch (err) {
    // Typically the health port is taken (EADDRINUSE): say which, without a stack trace.
    const code = (err as { code?: unknown }).code;
    stderr(`syncspec operator: SS6018 cannot start: ${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return 1;
  }
  const stopped = new Promise<number>((resolve) => {
    const shutdown = (): void => { void handle.stop().then(() => resolve(0)); };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
    void handle.manager.lost.then(() => resolve(1));
  });
  const code = await stopped;
  log.info({ code: 'SS6017', exit: code }, code === 0 ? 'operator stopped' : 'operator exiting: leader lease lost');
  await handle.stop().catch(() => {});
  if (kc instanceof SharedPoolKubeConfig) await kc.closePools();
  await kubeHttp(kc).close();
  return code;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), process.env, (s) => process.stderr.write(s));
  process.exit(code);
}
