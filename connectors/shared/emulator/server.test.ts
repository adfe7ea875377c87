import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultConfigError, FaultPlan, parseFaultConfig } from './faults.ts';
import { AdminInputError, sendJson, startEmulatorServer, type BaseEmulator, type VendorHandler } from './server.ts';

/** A minimal vendor: one counter record per POST body key, so admin routes and faults can be observed. */
function counterVendor(): VendorHandler & { expired: number; emu?: BaseEmulator } {
  const rows = new Map<string, number>();
  const v: VendorHandler & { expired: number; emu?: BaseEmulator } = {
    expired: 0,
    handle(req, res) {
      const key = req.query.get('key') ?? 'none';
      rows.set(key, (rows.get(key) ?? 0) + 1);
      v.emu?.effects.record('Counter', key, rows.get(key) === 1 ? 'create' : 'update');
      sendJson(res, 200, { key, n: rows.get(key) });
    },
    throttle: (res, s) => sendJson(res, 429, { limited: true }, s !== undefined ? { 'retry-after': String(s) } : {}),
    serverError: (res, status) => sendJson(res, status, { down: true }),
    expireSessions: () => {
      v.expired++;
    },
    records: () => Object.fromEntries([...rows].sort()),
    seed: (body) => {
      if (!Array.isArray(body)) throw new AdminInputError('seed needs an array');
      for (const k of body) rows.set(String(k), 0);
      return { seeded: body.length };
    },
    reset: () => rows.clear(),
  };
  return v;
}

let emu: BaseEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function call(path: string, method = 'POST', body?: unknown): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  const res = await request(`${(emu as BaseEmulator).url}${path}`, { method: method as 'POST', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('emulator base', () => {
  it('serves the admin endpoints: faults, records, effects, stats, seed, reset', async () => {
    const vendor = counterVendor();
    emu = await startEmulatorServer(vendor);
    vendor.emu = emu;
    expect((await call('/__admin/seed', 'POST', ['a'])).json).toEqual({ seeded: 1 });
    await call('/x?key=a');
    await call('/x?key=a');
    expect((await call('/__admin/records', 'GET')).json).toEqual({ a: 2 });
    expect((await call('/__admin/effects', 'GET')).json).toEqual([{ entity: 'Counter', key: 'a', creates: 1, updates: 1, deletes: 0 }]);
    expect((await call('/__admin/faults', 'POST', { next: ['throttle'], retryAfterSeconds: 2 })).status).toBe(200);
    const limited = await call('/x?key=b');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect((await call('/__admin/stats', 'GET')).json).toEqual({ requests: 3, logins: 0, faults: 1 });
    await call('/__admin/reset');
    expect((await call('/__admin/records', 'GET')).json).toEqual({});
    expect((await call('/__admin/effects', 'GET')).json).toEqual([]);
  });

  it('refuses bad admin input with 400 and a message, never a crash', async () => {
    emu = await startEmulatorServer(counterVendor());
    for (const bad of [{ errorRate: 2 }, { next: ['explode'] }, { surprise: true }, { errorStatus: 404 }, [1]]) {
      const r = await call('/__admin/faults', 'POST', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect((r.json as { message: string }).message).toBeTruthy();
    }
    expect((await call('/__admin/seed', 'POST', { not: 'array' })).status).toBe(400);
    expect((await call('/__admin/nope', 'GET')).status).toBe(404);
  });

  it('expires sessions on a sessionExpiry fault and then answers normally', async () => {
    const vendor = counterVendor();
    emu = await startEmulatorServer(vendor, { faults: { next: ['sessionExpiry'] } });
    vendor.emu = emu;
    expect((await call('/x?key=a')).status).toBe(200);
    expect(vendor.expired).toBe(1);
  });

  it('applies a 5xx status from the plan and restricts faults to matching paths', async () => {
    emu = await startEmulatorServer(counterVendor(), { faults: { next: ['error'], errorStatus: 502, pathContains: '/write' } });
    expect((await call('/read?key=a')).status).toBe(200);
    expect((await call('/write?key=a')).status).toBe(502);
    expect((await call('/write?key=a')).status).toBe(200);
  });
});

describe('fault plans', () => {
  it('are deterministic for a seed', () => {
    const decisions = (seed: number) => {
      const p = new FaultPlan();
      p.set({ seed, errorRate: 0.3, throttleRate: 0.2, dropRate: 0.1 });
      return Array.from({ length: 200 }, () => p.decide('/x') ?? '-').join(',');
    };
    expect(decisions(42)).toBe(decisions(42));
    expect(decisions(42)).not.toBe(decisions(43));
    const counts = decisions(42).split(',').reduce<Record<string, number>>((m, d) => ({ ...m, [d]: (m[d] ?? 0) + 1 }), {});
    expect(counts.error! + counts.throttle! + counts.drop!).toBeGreaterThan(60);
    expect(counts['-']).toBeGreaterThan(60);
  });

  it('serve queued faults before rates', () => {
    const p = new FaultPlan();
    p.set({ next: ['hang', 'drop'], errorRate: 1 });
    expect([p.decide('/'), p.decide('/'), p.decide('/')]).toEqual(['hang', 'drop', 'error']);
  });

  it('validate untrusted config', () => {
    expect(parseFaultConfig({ errorRate: 0.5, latencyMs: 10, duplicateWebhooks: true })).toEqual({ errorRate: 0.5, latencyMs: 10, duplicateWebhooks: true });
    expect(() => parseFaultConfig({ latencyMs: -1 })).toThrow(FaultConfigError);
    expect(() => parseFaultConfig(null)).toThrow(FaultConfigError);
  });
});

describe('latency and hangs', () => {
  it('delays answers by latencyMs: a client with a shorter timeout gives up, a patient one gets the answer', async () => {
    emu = await startEmulatorServer(counterVendor(), { faults: { latencyMs: 300 } });
    await expect(request(`${emu.url}/x?key=a`, { method: 'POST', signal: AbortSignal.timeout(30) })).rejects.toThrow();
    const ok = await request(`${emu.url}/x?key=b`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
  });

  it('closes promptly even with hanging requests open', async () => {
    emu = await startEmulatorServer(counterVendor(), { faults: { next: ['hang'] } });
    const pending = request(`${emu.url}/x?key=a`, { method: 'POST' }).catch((e: unknown) => e);
    await expect.poll(() => emu?.stats.requests).toBe(1);
    await emu.close();
    emu = undefined;
    expect(await pending).toBeInstanceOf(Error);
  });
});
