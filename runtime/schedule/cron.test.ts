import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { silentLogger } from '../ops/log.ts';
import { compileSchedule, Schedule } from './cron.ts';

describe('Schedule', () => {
  it('fires at 02:00 Asia/Shanghai (18:00 UTC the day before), once per day', async () => {
    const clock = manualClock(Date.parse('2026-03-01T12:00:00Z'));
    const fired: string[] = [];
    const s = new Schedule({
      spec: 'orders',
      expression: '0 2 * * *',
      timezone: 'Asia/Shanghai',
      clock,
      log: silentLogger(),
      run: async (at) => void fired.push(new Date(at).toISOString()),
    });
    s.start();
    await clock.advance(2 * 86_400_000);
    expect(fired).toEqual(['2026-03-01T18:00:00.000Z', '2026-03-02T18:00:00.000Z']);
    await s.stop();
  });

  it('follows daylight saving time in the zone', () => {
    const check = compileSchedule('30 1 * * *', 'America/New_York');
    expect(check.ok).toBe(true);
    const s = new Schedule({ spec: 's', expression: '30 1 * * *', timezone: 'America/New_York', clock: manualClock(0), log: silentLogger(), run: async () => {} });
    expect(new Date(s.nextAfter(Date.parse('2026-03-07T12:00:00Z'))!).toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(new Date(s.nextAfter(Date.parse('2026-03-08T12:00:00Z'))!).toISOString()).toBe('2026-03-09T05:30:00.000Z');
  });

  it('skips slots a long run overlapped', async () => {
    const clock = manualClock(0);
    const fired: number[] = [];
    const s = new Schedule({
      spec: 's',
      expression: '* * * * *',
      clock,
      log: silentLogger(),
      run: async (at) => {
        fired.push(at);
        await clock.sleep(150_000);
      },
    });
    s.start();
    await clock.advance(400_000); // runs 60 s → 210 s and 240 s → 390 s; the slots at 120 s and 180 s are skipped
    expect(fired).toEqual([60_000, 240_000]);
    await s.stop();
  });

  it('reports a bad expression or zone with SS5050 instead of throwing', () => {
    expect(compileSchedule('61 * * * *', undefined)).toMatchObject({ ok: false, code: 'SS5050' });
    expect(compileSchedule('0 2 * * *', 'Mars/Olympus')).toEqual({ ok: false, code: 'SS5050', message: 'unknown IANA time zone "Mars/Olympus"' });
  });
});
