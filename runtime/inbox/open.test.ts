import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logSink } from '../../test/runtime/sink.ts';
import { createLogger } from '../ops/log.ts';
import { describeStore, loggingHooks, openStore } from './open.ts';

describe('openStore', () => {
  it('creates and migrates a SQLite file relative to cwd, logging SS5011 once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-open-'));
    try {
      const sink = logSink();
      const log = createLogger({ destination: sink.stream });
      const first = await openStore('.syncspec/state.db', dir, loggingHooks(log, '.syncspec/state.db'));
      await first.close();
      const again = await openStore(join(dir, '.syncspec/state.db'), '/', loggingHooks(log, 'x'));
      expect(await again.depth()).toEqual({});
      await again.close();
      await new Promise((r) => setImmediate(r));
      expect(sink.lines.filter((l) => l.code === 'SS5011').map((l) => l.versions)).toEqual([[1, 2, 3, 4, 5, 6, 7]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never shows a PostgreSQL password', () => {
    expect(describeStore('postgres://sync:hunter2@db:5432/app?schema=s')).toBe('postgres://sync:redacted@db:5432/app?schema=s');
    expect(describeStore('.syncspec/state.db')).toBe('.syncspec/state.db');
  });
});
