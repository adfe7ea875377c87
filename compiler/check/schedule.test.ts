import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexRepo } from './repo.ts';
import { checkSchedules, cronProblem, isTimeZone } from './schedule.ts';
import { brief, CONNECTIONS, docsFrom, ORDER_SPEC } from './testing.ts';

describe('cronProblem', () => {
  it('accepts standard, seconds and nickname forms', () => {
    for (const cron of ['0 2 * * *', '*/5 * * * *', '0 8 * * MON-FRI', '0 0 2 * * *', '0 30 1 1,15 * ?', '@daily', ' 0 2 * * * ']) expect(cronProblem(cron)).toBeUndefined();
  });

  it('names the bad field and its position', () => {
    expect(cronProblem('0 25 * * *')).toMatchObject({ start: 2, end: 4, summary: 'Invalid hour field "25" in cron expression' });
    expect(cronProblem('0 2 * 13 *')).toMatchObject({ start: 6, end: 8, summary: 'Invalid month field "13" in cron expression' });
    expect(cronProblem('0 2 * * FUNDAY')).toMatchObject({ start: 8, end: 14, summary: 'Invalid day-of-week field "FUNDAY" in cron expression' });
    expect(cronProblem('61 0 2 * * *')).toMatchObject({ start: 0, end: 2, summary: 'Invalid second field "61" in cron expression' });
    expect(cronProblem('0 2 * *')?.summary).toBe('Cron expression has 4 fields; 5 are expected');
    expect(cronProblem('')?.summary).toBe('Cron expression has 0 fields; 5 are expected');
    expect(cronProblem('@sometimes')?.summary).toBe('Unknown cron nickname "@sometimes"');
  });

  it('never throws and keeps ranges inside the text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('0', '5', '61', '*', '/', '-', ',', ' ', 'L', '?', 'MON', 'x', '@daily'), { maxLength: 16 }).map((a) => a.join('')), (text) => {
        const p = cronProblem(text);
        if (p) {
          expect(p.start).toBeGreaterThanOrEqual(0);
          expect(p.end).toBeLessThanOrEqual(text.length);
          expect(p.end).toBeGreaterThanOrEqual(p.start);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('isTimeZone', () => {
  it('accepts IANA names, UTC and legacy links; rejects abbreviations and typos', () => {
    for (const z of ['Asia/Shanghai', 'Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta', 'US/Pacific', 'Etc/GMT+8']) expect(isTimeZone(z)).toBe(true);
    for (const z of ['Asia/Shangai', 'CST', 'GMT+8', 'Mars/Olympus', '', 'asia/shanghai', 'EST']) expect(isTimeZone(z)).toBe(false);
  });
});

describe('checkSchedules', () => {
  it('is silent on a valid spec', () => {
    expect(checkSchedules(indexRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/o.yaml': ORDER_SPEC })))).toEqual([]);
  });

  it('points into the cron string and at bad zones, with did-you-mean', () => {
    const spec = ORDER_SPEC.replace('cron: "0 2 * * *", timezone: Asia/Shanghai', 'cron: "0 2 * * 9", timezone: Asia/Shangai');
    const conn = CONNECTIONS.replace('timezone: Asia/Shanghai', 'timezone: CST');
    const ds = checkSchedules(indexRepo(docsFrom({ 'specs/c.yaml': conn, 'specs/o.yaml': spec })));
    expect(brief(ds)).toEqual(['SS3009 specs/c.yaml:20:13', 'SS3008 specs/o.yaml:13:34', 'SS3009 specs/o.yaml:13:48']);
    expect(ds[1]?.range?.end.col).toBe(35);
    expect(ds[2]?.suggestion).toBe('Asia/Shanghai');
  });
});
