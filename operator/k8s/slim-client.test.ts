import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { genIndexImports } from './slim-client.ts';

test('client-node\'s config.js takes exactly the two names client-node-gen.ts provides from gen/index.js', () => {
  // If a client-node upgrade changes this, loadLessOfClientNode() declines (and this test says why).
  const config = readFileSync(fileURLToPath(import.meta.resolve('@kubernetes/client-node/dist/config.js')), 'utf8');
  expect(genIndexImports(config)).toEqual(['ServerConfiguration', 'createConfiguration']);
  expect(genIndexImports("import { a, b as c, } from './gen/index.js';")).toEqual(['a', 'b as c']);
  expect(genIndexImports("import { a } from './other.js';")).toBeUndefined();
});

test('with the hook the operator loads no generated API class, and KubeConfig still builds API clients', () => {
  const script = `
    import module from 'node:module';
    const { loadLessOfClientNode } = await import(${JSON.stringify(new URL('./slim-client.ts', import.meta.url).href)});
    const loaded = [];
    const slim = process.argv[1] === 'slim' && loadLessOfClientNode();
    module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    await import(${JSON.stringify(new URL('../main.ts', import.meta.url).href)});
    const { KubeConfig } = await import(${JSON.stringify(new URL('./client.ts', import.meta.url).href)});
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const generatedApis = loaded.filter((u) => /gen\\/(apis|types)\\/(?!exception)/.test(u)).length;
    const { CoreV1Api } = await import('@kubernetes/client-node');
    console.log(JSON.stringify({ slim, generatedApis, client: typeof kc.makeApiClient(CoreV1Api).listNamespace }));
  `;
  const run = (mode: string): { slim: boolean; generatedApis: number; client: string } =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, mode], { encoding: 'utf8' }).trim().split('\n').at(-1) as string);
  const slim = run('slim');
  expect(slim.slim).toBe(true);
  expect(slim.generatedApis).toBe(0);
  // Importing the package root afterwards (as tests and other tools may) still works: it loads the rest then.
  expect(slim.client).toBe('function');
  const plain = run('plain');
  expect(plain.generatedApis).toBeGreaterThan(0);
});
