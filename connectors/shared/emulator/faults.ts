/**
 * Fault injection shared by every emulator. A plan has deterministic rates (seeded RNG) and a queue of
 * faults for the next requests, which tests use to hit an exact call ("the next request hangs").
 */
import { seededRandom } from './rng.ts';

export const FAULT_KINDS = ['error', 'throttle', 'hang', 'drop', 'dropAfterWrite', 'sessionExpiry'] as const;
/**
 * - `error`: 5xx; `throttle`: the vendor's rate-limit answer with Retry-After;
 * - `hang`: never answer (the client times out); `drop`: destroy the socket before handling;
 * - `dropAfterWrite`: handle the request (writes take effect) then destroy the socket instead of answering;
 * - `sessionExpiry`: expire every session, then handle the request normally.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultConfig {
  /** Seed for the rate decisions (default 1). */
  seed?: number;
  errorRate?: number;
  /** Status of injected server errors (default 503). */
  errorStatus?: number;
  throttleRate?: number;
  /** Sent as Retry-After on throttle answers (and 5xx when set). */
  retryAfterSeconds?: number;
  hangRate?: number;
  dropRate?: number;
  /** Added before every vendor request. */
  latencyMs?: number;
  /** Faults for the next vendor requests, in order, before rates apply. */
  next?: FaultKind[];
  /** Only requests whose path contains this text are subject to faults (e.g. "/composite/"). */
  pathContains?: string;
  /** Webhook pushes: deliver each twice / in reverse order. */
  duplicateWebhooks?: boolean;
  reorderWebhooks?: boolean;
}

export class FaultConfigError extends Error {}

const RATE_KEYS = ['errorRate', 'throttleRate', 'hangRate', 'dropRate'] as const;

/** Validates untrusted admin JSON into a FaultConfig (admin endpoint input). */
export function parseFaultConfig(v: unknown): FaultConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FaultConfigError('fault config must be a JSON object');
  const o = v as Record<string, unknown>;
  const known = new Set<string>(['seed', 'errorStatus', 'retryAfterSeconds', 'latencyMs', 'next', 'pathContains', 'duplicateWebhooks', 'reorderWebhooks', ...RATE_KEYS]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new FaultConfigError(`unknown fault setting "${k}"`);
  const out: FaultConfig = {};
  for (const k of RATE_KEYS) {
    const r = o[k];
    if (r === undefined) continue;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) throw new FaultConfigError(`${k} must be a number between 0 and 1`);
    out[k] = r;
  }
  for (const k of ['seed', 'errorStatus', 'retryAfterSeconds', 'latencyMs'] as const) {
    const n = o[k];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new FaultConfigError(`${k} must be a non-negative integer`);
    out[k] = n;
  }
  if (out.errorStatus !== undefined && (out.errorStatus < 500 || out.errorStatus > 599)) throw new FaultConfigError('errorStatus must be 5xx');
  if (o.next !== undefined) {
    if (!Array.isArray(o.next) || !o.next.every((k) => (FAULT_KINDS as readonly unknown[]).includes(k))) {
      throw new FaultConfigError(`next must be a list of ${FAULT_KINDS.join(', ')}`);
    }
    out.next = o.next as FaultKind[];
  }
  if (o.pathContains !== undefined) {
    if (typeof o.pathContains !== 'string') throw new FaultConfigError('pathContains must be a string');
    out.pathContains = o.pathContains;
  }
  for (const k of ['duplicateWebhooks', 'reorderWebhooks'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') throw new FaultConfigError(`${k} must be a boolean`);
    out[k] = o[k];
  }
  return out;
}

export class FaultPlan {
  private config: FaultConfig = {};
  private queue: FaultKind[] = [];
  private random: () => number = seededRandom(1);

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.queue = [...(config.next ?? [])];
    this.random = seededRandom(config.seed ?? 1);
  }

  get current(): FaultConfig {
    return { ...this.config, next: [...this.queue] };
  }

  /** Decides the fault for one vendor request (undefined: none). Consumes queue entries and RNG draws deterministically. */
  decide(path: string): FaultKind | undefined {
    if (this.config.pathContains !== undefined && !path.includes(this.config.pathContains)) return undefined;
    const queued = this.queue.shift();
    if (queued) return queued;
    const c = this.config;
    if (c.dropRate && this.random() < c.dropRate) return 'drop';
    if (c.hangRate && this.random() < c.hangRate) return 'hang';
    if (c.errorRate && this.random() < c.errorRate) return 'error';
    if (c.throttleRate && this.random() < c.throttleRate) return 'throttle';
    return undefined;
  }

  latencyFor(path: string): number {
    if (this.config.pathContains !== undefined && !path.includes(this.config.pathContains)) return 0;
    return this.config.latencyMs ?? 0;
  }
}
