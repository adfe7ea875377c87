import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const script = join(import.meta.dirname, 'warm-compile-cache.ts');

test('fills the compile cache so that the operator entry then strips no TypeScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-compile-cache-'));
  const env = { ...process.env, NODE_COMPILE_CACHE: dir };
  expect(spawnSync(process.execPath, [script], { env, encoding: 'utf8' }).status).toBe(0);
  expect(readdirSync(dir)).toHaveLength(1); // Node's per-version, per-uid folder
  // The image's entry path with that cache (a bad flag: the operator's modules load, nothing starts):
  // every TypeScript file comes stripped from the cache.
  const run = spawnSync(process.execPath, [join(import.meta.dirname, '../bin/syncspec.js'), 'operator', '--no-such-flag'], { env: { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, encoding: 'utf8' });
  expect(run.stderr).toContain('no-such-flag');
  const ts = run.stderr.split('\n').filter((l) => l.includes('StrippedTypeScript') && l.includes('reading cache'));
  expect(ts.length).toBeGreaterThan(20); // the operator's modules, not just the CLI's
  expect(ts.filter((l) => !l.includes('success'))).toEqual([]);
});

test('refuses to run without NODE_COMPILE_CACHE', () => {
  const { NODE_COMPILE_CACHE: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [script], { env, encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('NODE_COMPILE_CACHE is not set');
});
