/**
 * SS3010 durations parse, SS3011 durations in sane bounds and relations, SS3012 percentages,
 * SS3013 `spec.version` is semver.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, LoadedDocument } from '../model.ts';
import { isObj, str, type Obj, type Repo } from './repo.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
/** Larger than any interval that makes sense in a spec; also keeps the sum exact in a double. */
const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** `1h30m` → 5 400 000; undefined when the text is not a duration or is absurdly long. Zero is a valid parse. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d, h, min, s, ms] = m;
  const total = Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(min ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0);
  return total <= MAX_DURATION_MS ? total : undefined;
}

/** `0.5%` → 0.5 (percent); undefined when not a percentage. */
export function parsePercent(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isSemver(text: string): boolean {
  return SEMVER.test(text);
}

const fmt = (ms: number): string => {
  for (const [unit, size] of Object.entries(UNIT_MS)) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
};

interface Ctx {
  doc: LoadedDocument;
  out: Diagnostic[];
}

/** Reads and parses the duration at `path` of `obj`; reports SS3010 when it does not parse or is zero. */
function duration(ctx: Ctx, obj: Obj | undefined, key: string, path: DataPath, what: string): number | undefined {
  const text = str(obj?.[key]);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) {
    ctx.out.push({
      code: 'SS3010',
      severity: 'error',
      summary: ms === 0 ? `${what} is zero` : `Invalid duration "${text}" for ${what}`,
      detail: ms === 0 ? `${what} must be longer than zero.` : 'Write a number and a unit, largest unit first: 500ms, 30s, 5m, 1h30m, 2d (at most 366d).',
      range: ctx.doc.locate([...path, key]),
    });
    return undefined;
  }
  return ms;
}

function bound(ctx: Ctx, path: DataPath, severity: 'error' | 'warning', summary: string, detail: string): void {
  ctx.out.push({ code: 'SS3011', severity, summary, detail, range: ctx.doc.locate(path) });
}

export function checkDurations(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    const ctx: Ctx = { doc: spec.doc, out };
    const body = spec.body;
    const version = str(body.version);
    if (version !== undefined && !isSemver(version)) {
      out.push({
        code: 'SS3013',
        severity: 'error',
        summary: `spec.version "${version}" is not a semantic version`,
        detail: 'Write MAJOR.MINOR.PATCH such as 1.0.0 or 2.1.0-rc.1; quote it if YAML would read it as a number.',
        range: spec.doc.locate(['spec', 'version']),
      });
    }
    let fastestPoll: number | undefined;
    const triggers = Array.isArray(body.triggers) ? body.triggers : [];
    for (const [i, trigger] of triggers.entries()) {
      if (!isObj(trigger) || !isObj(trigger.poll)) continue;
      const path = ['spec', 'triggers', i, 'poll'];
      const every = duration(ctx, trigger.poll, 'every', path, 'poll.every');
      const overlap = duration(ctx, trigger.poll, 'overlap', path, 'poll.overlap');
      if (every !== undefined) {
        fastestPoll = Math.min(fastestPoll ?? every, every);
        if (every < UNIT_MS.s) bound(ctx, [...path, 'every'], 'error', `poll.every ${fmt(every)} is shorter than 1s`, 'Polling more than once a second exhausts vendor API limits; use a webhook for lower latency.');
      }
      if (every !== undefined && overlap !== undefined && overlap >= every) {
        bound(ctx, [...path, 'overlap'], 'error', `poll.overlap (${fmt(overlap)}) must be shorter than poll.every (${fmt(every)})`, 'The overlap re-reads a window before the cursor to catch late commits; as long as the interval, every poll would re-read everything since the previous one.');
      }
    }
    const sla = isObj(body.sla) ? body.sla : undefined;
    const latency = isObj(sla?.latency) ? sla.latency : undefined;
    const percentiles = (['p50', 'p95', 'p99'] as const).map((p) => [p, duration(ctx, latency, p, ['spec', 'sla', 'latency'], `sla.latency.${p}`)] as const);
    let previous: readonly [string, number] | undefined;
    for (const [p, ms] of percentiles) {
      if (ms === undefined) continue;
      if (previous && ms < previous[1]) bound(ctx, ['spec', 'sla', 'latency', p], 'error', `sla.latency.${p} (${fmt(ms)}) is below ${previous[0]} (${fmt(previous[1])})`, 'A higher percentile can never be faster than a lower one.');
      previous = [p, ms];
    }
    const freshness = duration(ctx, sla, 'freshness', ['spec', 'sla'], 'sla.freshness');
    if (freshness !== undefined && fastestPoll !== undefined && !triggers.some((t) => isObj(t) && ('webhook' in t || 'queue' in t)) && freshness < fastestPoll) {
      bound(ctx, ['spec', 'sla', 'freshness'], 'warning', `sla.freshness (${fmt(freshness)}) is shorter than the poll interval (${fmt(fastestPoll)})`, 'With only polling, data can be as old as one poll interval; the freshness alert would fire constantly. Poll more often or relax the SLA.');
    }
    const errorRate = str(sla?.errorRate);
    if (errorRate !== undefined) {
      const pct = parsePercent(errorRate);
      if (pct === undefined || pct > 100) {
        out.push({
          code: 'SS3012',
          severity: 'error',
          summary: pct === undefined ? `Invalid percentage "${errorRate}" for sla.errorRate` : `sla.errorRate ${errorRate} is above 100%`,
          detail: 'Write a percentage between 0% and 100%, such as 0.5%.',
          range: spec.doc.locate(['spec', 'sla', 'errorRate']),
        });
      }
    }
    const delivery = isObj(body.delivery) ? body.delivery : undefined;
    const batch = isObj(delivery?.batch) ? delivery.batch : undefined;
    const maxWait = duration(ctx, batch, 'maxWait', ['spec', 'delivery', 'batch'], 'delivery.batch.maxWait');
    if (maxWait !== undefined && maxWait > UNIT_MS.h) bound(ctx, ['spec', 'delivery', 'batch', 'maxWait'], 'error', `delivery.batch.maxWait ${fmt(maxWait)} is longer than 1h`, 'A batch waits at most this long for more records; hours of delay defeat any latency SLA. Use a schedule trigger for periodic bulk loads.');
    const retry = isObj(delivery?.retry) ? delivery.retry : undefined;
    const initial = duration(ctx, retry, 'initial', ['spec', 'delivery', 'retry'], 'delivery.retry.initial');
    const max = duration(ctx, retry, 'max', ['spec', 'delivery', 'retry'], 'delivery.retry.max');
    if (initial !== undefined && max !== undefined && initial > max) {
      bound(ctx, ['spec', 'delivery', 'retry', 'initial'], 'error', `delivery.retry.initial (${fmt(initial)}) is longer than delivery.retry.max (${fmt(max)})`, 'Backoff starts at `initial` and doubles up to `max`.');
    }
  }
  return out;
}
