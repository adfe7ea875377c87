/** Every worker code (SS5001–SS5089; SS5090+ belong to local mode) is registered and raised by runtime code. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { codes } from '../compiler/diagnostics/codes.ts';

const dir = import.meta.dirname;
const source = readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !join(e.parentPath, e.name).includes(`${join(dir, 'support')}`))
  .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
  .join('\n');
const workerCodes = Object.keys(codes).filter((c) => /^SS50[0-8]\d$/.test(c));

it('registers the worker codes', () => {
  expect(workerCodes.length).toBeGreaterThan(30);
});

it.each(workerCodes)('%s is raised by the runtime', (code) => {
  expect(source.includes(`'${code}'`) || source.includes(`${code}:`) || source.includes(`${code} `), code).toBe(true);
});
