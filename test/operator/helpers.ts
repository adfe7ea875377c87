/**
 * What the operator tests share: the operator as a real child process (`node operator/main.ts`) with
 * its JSON log parsed, and a small real HTTP server that plays the workers' `/healthz` + `/metrics`
 * (Prometheus text rendered by prom-client with the worker's metric names, per spec).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const ROOT = join(import.meta.dirname, '../..');

export interface OperatorProcess {
  child: ChildProcess;
  /** Parsed log lines so far. */
  logs: Record<string, unknown>[];
  /** Raw stderr (non-JSON lines included), for failure messages. */
  stderr(): string;
  /** The /healthz /readyz /metrics port, once the process has logged it. */
  port(): Promise<number>;
  metrics(): Promise<string>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function startOperatorProcess(args: string[]): OperatorProcess {
  const child = spawn(process.execPath, [join(ROOT, 'operator/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let buf = '';
  child.stderr?.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    raw += text;
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not a log line */ }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = async (): Promise<number> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const started = logs.find((l) => l.code === 'SS6016');
      if (started) return Number(started.port);
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`operator did not start:\n${raw}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    child, logs, exited, port,
    stderr: () => raw,
    metrics: async () => (await fetch(`http://127.0.0.1:${await port()}/metrics`)).text(),
    kill: (signal = 'SIGTERM') => { if (child.exitCode === null) child.kill(signal); },
  };
}

/** The value of one series in Prometheus text (0 when absent). */
export function metricValue(text: string, series: string): number {
  for (const line of text.split('\n')) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return 0;
}

export interface FakeWorkers {
  url: string;
  /** Sets what the worker of `namespace/spec` reports. */
  set(namespace: string, spec: string, state: { delivered?: number; failed?: number; dlq?: number; freshnessSeconds?: number; healthy?: boolean }): void;
  close(): Promise<void>;
}

/** Serves `/<namespace>/<spec>/healthz` and `/<namespace>/<spec>/metrics`; unknown specs answer 404 (unreachable worker). */
export async function startFakeWorkers(): Promise<FakeWorkers> {
  const workers = new Map<string, { registry: Registry; healthy: boolean; set: (s: Parameters<FakeWorkers['set']>[2]) => void }>();
  const server = createServer((req, res) => {
    const m = /^\/([^/]+)\/([^/]+)\/(healthz|metrics)$/.exec(req.url ?? '');
    const w = m ? workers.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !w) { res.writeHead(404).end(); return; }
    if (m[3] === 'healthz') { res.writeHead(w.healthy ? 200 : 503, { 'content-type': 'application/json' }).end('{"status":"ok"}'); return; }
    void w.registry.metrics().then((t) => res.writeHead(200, { 'content-type': w.registry.contentType }).end(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    set(namespace, spec, state) {
      const id = `${namespace}/${spec}`;
      let w = workers.get(id);
      if (!w) {
        const registry = new Registry();
        const registers = [registry];
        const delivered = new Counter({ name: 'syncspec_records_delivered_total', help: 'h', labelNames: ['spec'], registers });
        const failed = new Counter({ name: 'syncspec_records_failed_total', help: 'h', labelNames: ['spec', 'class'], registers });
        const dlq = new Gauge({ name: 'syncspec_dlq_size', help: 'h', labelNames: ['spec'], registers });
        const freshness = new Gauge({ name: 'syncspec_freshness_seconds', help: 'h', labelNames: ['spec'], registers });
        new Histogram({ name: 'syncspec_delivery_latency_seconds', help: 'h', labelNames: ['spec'], registers, buckets: [1, 10, 60] }).zero({ spec });
        const entry = {
          registry, healthy: true,
          set: (s: Parameters<FakeWorkers['set']>[2]) => {
            if (s.delivered !== undefined) delivered.inc({ spec }, s.delivered);
            if (s.failed !== undefined) failed.inc({ spec, class: 'retryable' }, s.failed);
            dlq.set({ spec }, s.dlq ?? 0);
            freshness.set({ spec }, s.freshnessSeconds ?? 0);
            if (s.healthy !== undefined) entry.healthy = s.healthy;
          },
        };
        w = entry;
        workers.set(id, w);
      }
      w.set(state);
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
