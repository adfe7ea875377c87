import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { normalisePath, redactText, redactUrl } from './git.ts';

describe('redactUrl / redactText', () => {
  test('user info is removed, the rest kept', () => {
    expect(redactUrl('https://bot:tok3n@git.example.com/a/b.git')).toBe('https://git.example.com/a/b.git');
    expect(redactUrl('https://git.example.com/a/b.git')).toBe('https://git.example.com/a/b.git');
    expect(redactText('fetch https://u:p@h/x.git failed; see http://h2/y')).toBe('fetch https://h/x.git failed; see http://h2/y');
  });

  test('property: no password survives, whatever it contains', () => {
    const secret = fc.string({ minLength: 4, maxLength: 30 }).filter((s) => /^[A-Za-z0-9._~!$&'()*+,;=-]+$/.test(s) && !'https://git.example.com/org/repo.git'.includes(s));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 10 }).filter((s) => /^[a-z0-9]+$/.test(s)), secret, (user, password) => {
      const url = `https://${user}:${password}@git.example.com/org/repo.git`;
      expect(redactUrl(url)).not.toContain(password);
      expect(redactText(`error at ${url}: 401`)).not.toContain(password);
    }));
  });
});

describe('normalisePath', () => {
  test('examples', () => {
    expect(normalisePath(undefined)).toBe('');
    expect(normalisePath('./')).toBe('');
    expect(normalisePath('specs/')).toBe('specs');
    expect(normalisePath('/specs//flows/')).toBe('specs/flows');
    expect(normalisePath('./specs/./flows')).toBe('specs/flows');
    expect(normalisePath('specs/../..')).toBeUndefined();
  });

  test('property: the result never leaves the repository and is idempotent', () => {
    const segment = fc.constantFrom('.', '..', '', 'specs', 'a', 'flows', 'x.y');
    fc.assert(fc.property(fc.array(segment, { maxLength: 8 }), (parts) => {
      const p = normalisePath(parts.join('/'));
      if (p === undefined) {
        expect(parts).toContain('..');
        return;
      }
      expect(p.split('/')).not.toContain('..');
      expect(p.startsWith('/') || p.endsWith('/')).toBe(false);
      expect(normalisePath(p)).toBe(p);
    }));
  });
});
