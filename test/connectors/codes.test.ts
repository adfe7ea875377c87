/** Every connector code (SS5150–SS5199) is registered with an explanation, has a CODES name, and is raised by connector code. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { codes } from '../../compiler/diagnostics/codes.ts';
import { CODES } from '../../connectors/shared/errors.ts';

const root = join(import.meta.dirname, '../../connectors');
const source = readdirSync(root, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
  .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
  .join('\n')
  // The table itself does not count as a use.
  .replace(/export const CODES = \{[^}]*\} as const;/, '');
const registered = Object.keys(codes).filter((c) => /^SS51[5-9]\d$/.test(c));

it('registers every connector code with a title and an explanation', () => {
  expect(registered.length).toBeGreaterThanOrEqual(Object.keys(CODES).length);
  for (const c of registered) {
    const info = (codes as Record<string, { title: string; explanation: string }>)[c];
    expect(info?.title, c).toBeTruthy();
    expect(info?.explanation.length, c).toBeGreaterThan(80);
  }
  expect(Object.values(CODES).sort()).toEqual(registered.sort());
});

it.each(Object.entries(CODES))('CODES.%s (%s) is raised by connector code', (name) => {
  expect(source.includes(`CODES.${name}`), name).toBe(true);
});
