import { describe, expect, test } from 'vitest';
import { parseConfig } from './config.ts';

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
});
