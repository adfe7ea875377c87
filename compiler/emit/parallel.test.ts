import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, loadRepo } from '../cli/repo.ts';
import { generateFiles } from './generate.ts';
import { defaultWorkers, generateParallel } from './parallel.ts';

describe('generateParallel', () => {
  it('uses workers only from four cores up', () => {
    expect([1, 2, 3, 4, 8, 64].map((c) => defaultWorkers(c))).toEqual([0, 0, 0, 3, 3, 3]);
  });

  it('produces exactly the single-threaded output for specs/', async () => {
    const repo = loadRepo(['specs'], PACKAGE_ROOT);
    const single = generateFiles(repo.documents, repo.mapping);
    const parallel = await generateParallel(repo.documents, repo.mapping, repo.sources, { workers: 3, threshold: 0 });
    expect(parallel.specs).toEqual(single.specs);
    expect(parallel.files).toEqual(single.files);
    expect(parallel.specs.length).toBeGreaterThan(3);
  }, 60_000);

  it('reports the same problems as a single thread', async () => {
    const repo = loadRepo(['specs'], PACKAGE_ROOT);
    const file = [...repo.sources.keys()].find((f) => f.endsWith('crm-account-to-erp-customer.yaml')) as string;
    const sources = new Map(repo.sources);
    sources.set(file, (sources.get(file) as string).replace('FName: source.Name.trim()', 'FName: source.Nmae.trim()'));
    const { loadText } = await import('../load/index.ts');
    const docs = [...sources].flatMap(([f, text]) => loadText(f, text as string).documents);
    const { mappingRepo } = await import('../mapping/repo.ts');
    const broken = mappingRepo(docs, repo.mapping.catalogFor, repo.mapping.compile);
    const single = generateFiles(docs, broken);
    const parallel = await generateParallel(docs, broken, sources, { workers: 2, threshold: 0 });
    const key = (d: { code: string; summary: string }) => `${d.code} ${d.summary}`;
    expect(parallel.diagnostics.map(key).sort()).toEqual(single.diagnostics.map(key).sort());
    expect(parallel.diagnostics.map((d) => d.code)).toContain('SS4006');
    expect(parallel.files).toEqual([]);
  }, 60_000);
});
