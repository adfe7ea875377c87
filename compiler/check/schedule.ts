/**
 * SS3008 cron expressions and SS3009 IANA time zones (schedule triggers and Connection `timezone`).
 * Cron syntax is croner's, the library the worker schedules with, so what passes here also runs there.
 */
import { CronPattern } from 'croner';
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { exprRange } from './cel-syntax.ts';
import { isObj, str, type Repo } from './repo.ts';

const FIELD_NAMES: Record<number, readonly string[]> = {
  5: ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'],
  6: ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'],
  7: ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year'],
};

const FIELD_RANGES: Record<string, string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day-of-month': '1-31, L or ?',
  month: '1-12 or JAN-DEC',
  'day-of-week': '0-7 (0 and 7 are Sunday) or SUN-SAT, ? and L',
  year: 'a four-digit year',
};

export interface CronProblem {
  /** Offsets into the expression; `end` exclusive. */
  start: number;
  end: number;
  summary: string;
  detail: string;
}

function croner(pattern: string): string | undefined {
  try {
    new CronPattern(pattern);
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^CronPattern:\s*/, '');
  }
}

const cronCache = new Map<string, CronProblem | undefined>();

/** Undefined when `expr` is a valid cron expression; otherwise the bad field and where it is. Memoised. */
export function cronProblem(expr: string): CronProblem | undefined {
  if (cronCache.has(expr)) return cronCache.get(expr);
  // The common case, a valid expression, costs one parse; the per-field probing runs only to explain a failure.
  const problem = /\S/.test(expr) && croner(expr.trim()) === undefined ? undefined : explainCron(expr);
  if (cronCache.size > 10_000) cronCache.clear();
  cronCache.set(expr, problem);
  return problem;
}

function explainCron(expr: string): CronProblem | undefined {
  const trimmedStart = expr.length - expr.trimStart().length;
  if (expr.trim().startsWith('@')) {
    const message = croner(expr.trim());
    return message === undefined ? undefined : { start: trimmedStart, end: expr.trimEnd().length, summary: `Unknown cron nickname "${expr.trim()}"`, detail: 'Nicknames are @yearly, @monthly, @weekly, @daily and @hourly.' };
  }
  const fields = [...expr.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index }));
  const names = FIELD_NAMES[fields.length];
  if (!names) {
    return {
      start: trimmedStart,
      end: Math.max(trimmedStart, expr.trimEnd().length),
      summary: `Cron expression has ${fields.length} field${fields.length === 1 ? '' : 's'}; 5 are expected`,
      detail: 'Write minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 every day (a leading seconds field makes 6).',
    };
  }
  for (const [i, field] of fields.entries()) {
    const probe = fields.map((f, j) => (j === i ? f.text : '*')).join(' ');
    const message = croner(probe);
    if (message !== undefined) {
      return {
        start: field.start,
        end: field.start + field.text.length,
        summary: `Invalid ${names[i]} field "${field.text}" in cron expression`,
        detail: `Field ${i + 1} of "${expr.trim()}" is the ${names[i]}, which takes ${FIELD_RANGES[names[i] as string]}, lists (1,15), ranges (1-5) and steps (*/10).${/illegal characters/.test(message) ? ' It contains characters cron does not use.' : ''}`,
      };
    }
  }
  const message = croner(fields.map((f) => f.text).join(' '));
  return message === undefined ? undefined : { start: trimmedStart, end: expr.trimEnd().length, summary: 'Invalid cron expression', detail: message };
}

let zones: Set<string> | undefined;

/** Canonical IANA zones plus UTC; built only when a suggestion is needed (listing them costs ~100 ms). */
export function knownZones(): Set<string> {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return zones;
}

const zoneCache = new Map<string, boolean>();
/** Shape of a legacy link name (US/Pacific, America/Argentina/Buenos_Aires) that ICU resolves to another zone. */
const LINK_NAME = /^[A-Z][A-Za-z_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)+$/;

/** IANA names only: canonical zones, UTC, and legacy links such as Asia/Calcutta; never abbreviations (CST). */
export function isTimeZone(zone: string): boolean {
  const cached = zoneCache.get(zone);
  if (cached !== undefined) return cached;
  let valid = zone === 'UTC';
  if (!valid && zone.includes('/')) {
    try {
      // ICU accepts any letter case; IANA names are written in one, so `asia/shanghai` is refused like a typo.
      const resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
      valid = resolved === zone || (resolved.toLowerCase() !== zone.toLowerCase() && LINK_NAME.test(zone));
    } catch {
      valid = false;
    }
  }
  zoneCache.set(zone, valid);
  return valid;
}

export function checkSchedules(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  const zone = (doc: Repo['docs'][number], path: (string | number)[], value: unknown, where: string): void => {
    const z = str(value);
    if (z === undefined || isTimeZone(z)) return;
    const suggestion = closest(z, knownZones());
    out.push({
      code: 'SS3009',
      severity: 'error',
      summary: `Unknown time zone "${z}" in ${where}`,
      detail: suggestion ? `Did you mean "${suggestion}"? Time zones are IANA names.` : 'Use an IANA name such as Asia/Shanghai or Europe/Berlin; abbreviations like CST are ambiguous.',
      range: doc.locate(path),
      ...(suggestion ? { suggestion } : {}),
    });
  };
  for (const conn of repo.connections.values()) zone(conn.doc, ['spec', 'timezone'], conn.body.timezone, 'the connection\'s timezone');
  for (const spec of repo.syncSpecs) {
    const triggers = Array.isArray(spec.body.triggers) ? spec.body.triggers : [];
    for (const [i, trigger] of triggers.entries()) {
      if (!isObj(trigger) || !isObj(trigger.schedule)) continue;
      const cron = str(trigger.schedule.cron);
      if (cron !== undefined) {
        const problem = cronProblem(cron);
        if (problem) {
          out.push({
            code: 'SS3008',
            severity: 'error',
            summary: problem.summary,
            detail: problem.detail,
            range: exprRange(spec.doc, ['spec', 'triggers', i, 'schedule', 'cron'], problem.start, problem.end),
          });
        }
      }
      zone(spec.doc, ['spec', 'triggers', i, 'schedule', 'timezone'], trigger.schedule.timezone, 'the schedule');
    }
  }
  return out;
}
