import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileSpec, type SpecObject } from './compile.ts';
import { CompileThread, compileCacheEnv } from './compile-thread.ts';

const SPECS = join(import.meta.dirname, '../../specs');
const repo: SpecObject[] = [];
for (const rel of readdirSync(SPECS, { recursive: true, encoding: 'utf8' }).sort()) {
  if (!rel.endsWith('.yaml')) continue;
  for (const d of parseAllDocuments(readFileSync(join(SPECS, rel), 'utf8'))) {
    const o = d.toJS() as SpecObject | null;
    if (o?.kind) repo.push(o);
  }
}
const NAME = 'erp-material-to-crm-product';
const threads: CompileThread[] = [];
const thread = (...args: ConstructorParameters<typeof CompileThread>): CompileThread => {
  const t = new CompileThread(...args);
  threads.push(t);
  return t;
};
afterAll(async () => {
  for (const t of threads) await t.close();
});

describe('CompileThread', () => {
  test('a compile in the thread equals the compile inline: files, hash, secrets, plan, warnings', { timeout: 20_000 }, async () => {
    const t = thread();
    const [a, b] = await Promise.all([t.compile(NAME, repo), t.compile('crm-account-to-erp-customer', repo)]);
    expect(a).toEqual(compileSpec(NAME, repo));
    expect(b).toEqual(compileSpec('crm-account-to-erp-customer', repo));
    expect(t.started).toBe(1);
  });

  test('diagnostics of a spec that does not compile come back as data', { timeout: 20_000 }, async () => {
    const broken = repo.map((o) => (o.kind === 'SyncSpec' && o.metadata.name === NAME ? { ...o, spec: JSON.parse(JSON.stringify(o.spec).replace('source.FName', 'source.FNme')) } : o));
    const r = await thread().compile(NAME, broken);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toContain('SS3103');
  });

  test('a thread that runs out of heap fails its compile with SS6024 and is started again for the next', { timeout: 20_000 }, async () => {
    const t = thread({ youngMb: 2, oldMb: 6 }); // less than loading the compiler takes
    await expect(t.compile(NAME, repo)).rejects.toThrow(/^SS6024: the compile thread failed: .*ERR_WORKER_OUT_OF_MEMORY/);
    await expect(t.compile(NAME, repo)).rejects.toThrow(/^SS6024/);
    expect(t.started).toBe(2);
  });

  test('close fails what is pending; an unknown spec is a compiler error, not a crash', { timeout: 20_000 }, async () => {
    const t = thread();
    await expect(t.compile('no-such-spec', repo)).rejects.toThrow(/^SS6024: compiling no-such-spec failed in the compile thread: compileSpec: SyncSpec no-such-spec is not among the objects/);
    const pending = expect(t.compile(NAME, repo)).rejects.toThrow(/^SS6024: the compile thread was stopped/);
    await t.close();
    await pending;
  });
});

describe('compileCacheEnv', () => {
  test('hands the process\'s compile cache to the thread unless NODE_COMPILE_CACHE already names one', () => {
    expect(compileCacheEnv({ A: '1' }, '/tmp/cc/v24.21.0-x64-abc-10001')).toEqual({ A: '1', NODE_COMPILE_CACHE: '/tmp/cc' });
    expect(compileCacheEnv({ NODE_COMPILE_CACHE: '/img/cache' }, '/img/cache/v24-x')).toEqual({ NODE_COMPILE_CACHE: '/img/cache' });
    expect(compileCacheEnv({ A: '1' }, undefined)).toEqual({ A: '1' });
  });
});
