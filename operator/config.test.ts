import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_WORKER_STORE_PATH, parseConfig, parseSecretKeyRef } from './config.ts';

describe('parseConfig', () => {
  test('flags win over env; env over defaults', () => {
    const r = parseConfig(['--worker-image', 'img:1', '--namespace', 'b', '--namespace', 'a', '--lease-duration', '3000', '--renew-deadline', '2000', '--retry-period', '500'], {
      SYNCSPEC_WORKER_IMAGE: 'ignored', SYNCSPEC_WORKER_RESOURCES: '{"requests":{"cpu":"50m"}}', POD_NAMESPACE: 'syncspec-system', POD_NAME: 'op-0',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.worker.image).toBe('img:1');
    expect(r.config.namespaces).toEqual(['a', 'b']);
    expect(r.config.worker.resources).toEqual({ requests: { cpu: '50m' } });
    expect(r.config.leaseNamespace).toBe('syncspec-system');
    expect(r.config.identity).toBe('op-0');
    expect(r.config.leaderElect).toBe(true);
  });

  test('problems name the flag; nothing throws', () => {
    const r = parseConfig(['--worker-resources', '[1]', '--concurrency', 'lots', '--lease-duration', '1000', '--renew-deadline', '5000'], {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      '--worker-image (or SYNCSPEC_WORKER_IMAGE) is required',
      '--worker-resources must be a JSON object such as {"requests":{"cpu":"100m"}}',
      '--concurrency must be an integer ≥ 1, not "lots"',
      'leader election needs --retry-period < --renew-deadline < --lease-duration',
    ]);
    const unknown = parseConfig(['--bogus'], {});
    expect(unknown.ok).toBe(false);
  });

  test('namespaces from SYNCSPEC_NAMESPACES; leader election can be switched off', () => {
    const r = parseConfig(['--leader-elect', 'false'], { SYNCSPEC_WORKER_IMAGE: 'img', SYNCSPEC_NAMESPACES: ' x, y ,x' });
    expect(r.ok && r.config.namespaces).toEqual(['x', 'y']);
    expect(r.ok && r.config.leaderElect).toBe(false);
  });

  test('worker store: SQLite on the emptyDir by default; a Secret key; a credential-free URL', () => {
    const base = { SYNCSPEC_WORKER_IMAGE: 'img' };
    const dflt = parseConfig([], base);
    expect(dflt.ok && dflt.config.worker.store).toEqual({ kind: 'sqlite', path: DEFAULT_WORKER_STORE_PATH });
    const secret = parseConfig(['--worker-store-secret', 'worker-db/url', '--worker-replicas', '3'], base);
    expect(secret.ok && secret.config.worker.store).toEqual({ kind: 'secret', name: 'worker-db', key: 'url' });
    const fromEnv = parseConfig([], { ...base, SYNCSPEC_WORKER_STORE_SECRET: 'pg.creds/DATABASE_URL' });
    expect(fromEnv.ok && fromEnv.config.worker.store).toEqual({ kind: 'secret', name: 'pg.creds', key: 'DATABASE_URL' });
    const url = parseConfig(['--worker-store', 'postgres://db.svc:5432/sync?schema=w'], base);
    expect(url.ok && url.config.worker.store).toEqual({ kind: 'url', url: 'postgres://db.svc:5432/sync?schema=w' });
    const path = parseConfig(['--worker-store', '/data/w.db'], base);
    expect(path.ok && path.config.worker.store).toEqual({ kind: 'sqlite', path: '/data/w.db' });
  });

  test('worker store problems: a password in the URL, both flags, a bad reference, several replicas on SQLite', () => {
    const problems = (args: string[]): string[] => {
      const r = parseConfig(args, { SYNCSPEC_WORKER_IMAGE: 'img' });
      return r.ok ? [] : r.problems;
    };
    expect(problems(['--worker-store', 'postgres://u:hunter2@db/sync'])).toEqual(['--worker-store must not carry a password: put the URL in a Secret and use --worker-store-secret <secret>/<key>']);
    expect(problems(['--worker-store', 'postgres://u:hunter2@db/sync']).join()).not.toContain('hunter2');
    expect(problems(['--worker-store', '/data/w.db', '--worker-store-secret', 'a/b'])).toEqual(['--worker-store-secret and --worker-store exclude each other: give one']);
    expect(problems(['--worker-store-secret', 'NoSlash'])[0]).toMatch(/^--worker-store-secret must be <secret name>\/<key>/);
    expect(problems(['--worker-store', 'relative.db'])[0]).toMatch(/^--worker-store must be a postgres:\/\/ URL or an absolute SQLite path/);
    expect(problems(['--worker-store', '/w.db'])[0]).toMatch(/^--worker-store must be/);
    expect(problems(['--worker-replicas', '2'])).toEqual(['--worker-replicas 2 needs a shared PostgreSQL store (--worker-store-secret <secret>/<key>): each replica would have its own SQLite file']);
  });

  test('parseSecretKeyRef accepts exactly <DNS subdomain>/<key chars>', () => {
    const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,5})?$/);
    const key = fc.stringMatching(/^[-._a-zA-Z0-9]{1,30}$/);
    fc.assert(fc.property(name, key, (n, k) => {
      expect(parseSecretKeyRef(`${n}/${k}`, '--f')).toEqual({ name: n, key: k });
    }));
    fc.assert(fc.property(fc.string(), (raw) => {
      const r = parseSecretKeyRef(raw, '--f');
      if (typeof r === 'string') expect(r).toContain('--f must be');
      else expect(`${r.name}/${r.key}`).toBe(raw);
    }));
    for (const bad of ['a/', '/k', 'A/k', 'a/b/c', 'a-/k', 'a/k y']) expect(typeof parseSecretKeyRef(bad, '--f')).toBe('string');
  });
});
