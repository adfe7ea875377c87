/**
 * Contract harness for database connectors. The "emulator" is the real server on 127.0.0.1, so faults
 * are real too:
 *
 * - session expiry: the server kills the connector's idle sessions (pg_terminate_backend / KILL CONNECTION);
 * - hang: another session holds an exclusive table lock, the connector's statement timeout fires;
 * - drop: the write blocks on that lock and the server kills its session mid-transaction;
 * - 5xx burst: a fixture trigger raises the server's own transient error (SQLSTATE 40001 / MySQL 1213),
 *   counted in a non-transactional counter so the failing statement's rollback does not undo it;
 * - answer lost after the write: a TCP proxy in front of the server forwards COMMIT, then swallows the
 *   server's answer and resets the client socket (the only fault a server cannot produce by itself);
 * - per-record reject: a CHECK constraint.
 *
 * The proxy also counts connections, which is what "logins" means for a database. Rate limiting with a
 * wait has no database equivalent: the suite runs with `throttling: false`.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import type { Connector, SourceRecord } from '../../runtime/support/connector.ts';
import type { EffectRow } from '../../connectors/shared/emulator/effects.ts';
import type { FaultConfig } from '../../connectors/shared/emulator/faults.ts';
import type { Stats } from '../../connectors/shared/emulator/server.ts';
import type { AsyncContractHarness } from './contract.ts';

/** A TCP proxy that counts connections and can lose the answer to the next COMMIT. */
export class FaultProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  connections = 0;
  #loseCommitAnswers = 0;
  port = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(upstreamPort: number, commitPattern: Buffer): Promise<FaultProxy> {
    let self: FaultProxy | undefined;
    const server = createServer((client) => {
      const p = self as FaultProxy;
      p.connections++;
      const upstream = connect(upstreamPort, '127.0.0.1');
      p.#sockets.add(client);
      p.#sockets.add(upstream);
      let swallow = false;
      const end = () => {
        client.destroy();
        upstream.destroy();
        p.#sockets.delete(client);
        p.#sockets.delete(upstream);
      };
      client.on('data', (chunk) => {
        if (p.#loseCommitAnswers > 0 && chunk.includes(commitPattern)) {
          p.#loseCommitAnswers--;
          swallow = true;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (swallow) {
          // The server committed and answered; the client never hears it.
          end();
          return;
        }
        client.write(chunk);
      });
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    self = new FaultProxy(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    self.port = typeof addr === 'object' && addr ? addr.port : 0;
    return self;
  }

  loseNextCommitAnswers(count: number): void {
    this.#loseCommitAnswers += count;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** What differs between the databases in the harness: fixture SQL and server-side fault tools. */
export interface DbFixture {
  /** A connector through `port` (the proxy), with optional overrides. */
  connector(port: number, over: { password?: string; user?: string; timeoutMs?: number }): Connector;
  seed(rows: { key: string; at: string }[]): Promise<void>;
  touch(key: string, at: string): Promise<void>;
  stored(key: string): Promise<Record<string, unknown> | undefined>;
  effects(key: string): Promise<{ creates: number; updates: number }>;
  /** The next `count` insert statements fail with the server's transient error. */
  armTransientErrors(count: number): Promise<void>;
  /** Takes an exclusive lock on the table from another session; the returned function releases it. */
  lockTable(): Promise<() => Promise<void>>;
  /** Server ids of the connector's sessions, optionally only those waiting for a lock. */
  connectorSessions(waitingOnLock: boolean): Promise<string[]>;
  kill(id: string): Promise<void>;
  /** Drops the run's schema / database and closes the admin session. */
  dispose(): Promise<void>;
}

const name = (key: string, v: number) => `客户 ${key} "v${v}" 😀 & <Co>`;
const city = (v: number) => (v === 1 ? null : `上海 ${v}`);

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`harness: gave up waiting for ${what}`);
}

export async function sqlHarness(db: DbFixture, upstreamPort: number, commitPattern: Buffer, entity: string): Promise<AsyncContractHarness> {
  const proxy = await FaultProxy.start(upstreamPort, commitPattern);
  const connector = db.connector(proxy.port, {});
  const others: Connector[] = [];
  let held: (() => Promise<void>) | undefined;
  let faults = 0;
  const release = async () => {
    const r = held;
    held = undefined;
    if (r) await r();
  };
  const killAll = async () => {
    const ids = await db.connectorSessions(false);
    for (const id of ids) await db.kill(id);
    await until('killed sessions to end', async () => ((await db.connectorSessions(false)).some((id) => ids.includes(id)) ? undefined : true));
  };
  return {
    connector,
    entity,
    keyField: 'code',
    pageLimit: 7,
    ordered: true,
    writePathContains: 'COMMIT',
    seedChanges: (rows) => db.seed(rows),
    touch: (key, at) => db.touch(key, at),
    keyOf: (r: SourceRecord) => String(r.data.code),
    validRecord: (key, v) => ({ code: key, name: name(key, v), city: city(v), credit_limit: `${v}000.50` }),
    invalidRecord: (key) => ({ code: key, name: name(key, 1), credit_limit: '-1.00' }),
    async storedMatches(key, v) {
      const row = await db.stored(key);
      return row !== undefined && row.name === name(key, v) && (row.city ?? null) === city(v) && row.credit_limit === `${v}000.50`;
    },
    async effects(key): Promise<EffectRow> {
      return { entity, key, deletes: 0, ...(await db.effects(key)) };
    },
    async setFaults(config: FaultConfig) {
      await release();
      const next = config.next ?? [];
      const errors = next.filter((k) => k === 'error').length;
      if (errors > 0) await db.armTransientErrors(errors);
      for (const kind of new Set(next)) {
        faults++;
        if (kind === 'error') continue;
        if (kind === 'sessionExpiry') await killAll();
        else if (kind === 'hang') held = await db.lockTable();
        else if (kind === 'drop') {
          const unlock = await db.lockTable();
          held = unlock;
          // Kill the connector's session while its write waits for the lock, then let go.
          void until('a connector session waiting on the lock', async () => (await db.connectorSessions(true))[0])
            .then((id) => db.kill(id))
            .finally(() => release())
            // A watcher that found nothing leaves the write blocked until its timeout: the test's own assertion reports it.
            .catch(() => undefined);
        } else if (kind === 'dropAfterWrite') proxy.loseNextCommitAnswers(1);
        else throw new Error(`harness: fault ${kind} has no database equivalent`);
      }
      if (config.errorRate !== undefined || config.throttleRate !== undefined || config.hangRate !== undefined || config.dropRate !== undefined) {
        throw new Error('harness: rate-based faults are not supported for databases');
      }
    },
    async stats(): Promise<Stats> {
      return { requests: 0, logins: proxy.connections, faults };
    },
    expireSessions: killAll,
    withBadCredentials() {
      const c = db.connector(proxy.port, { user: 'cx_nobody', password: 'wrong-db-password' });
      others.push(c);
      return c;
    },
    badSecret: 'wrong-db-password',
    withTimeout(ms) {
      const c = db.connector(proxy.port, { timeoutMs: ms });
      others.push(c);
      return c;
    },
    async close() {
      await release();
      await connector.close();
      for (const c of others) await c.close().catch(() => undefined);
      await proxy.close();
      await db.dispose();
    },
  };
}

/**
 * A seeded random sequence of the server's own faults (errors, dropped connections, lost COMMIT answers,
 * killed sessions) under two waves of upserts retried as the worker would: one create per key and the
 * last version stored.
 */
export function convergesUnderRealFaults(start: () => Promise<AsyncContractHarness>): void {
  it('converges under a seeded random sequence of real faults: one create per key, last version stored', async () => {
    const h = await start();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kinds = ['error', 'drop', 'dropAfterWrite', 'sessionExpiry', undefined] as const;
    try {
      const keys = Array.from({ length: 12 }, (_, i) => `CV${String(i).padStart(2, '0')}`);
      for (let variant = 1; variant <= 2; variant++) {
        let pending = keys;
        for (let round = 0; round < 30 && pending.length > 0; round++) {
          const kind = kinds[Math.floor(rand() * kinds.length)];
          await h.setFaults(kind ? { next: [kind] } : {});
          const results = await h.connector.upsertBatch(h.entity, h.keyField, pending.map((key) => ({ key, idempotencyKey: `${key}@${variant}`, record: h.validRecord(key, variant) })));
          expect(results.filter((r) => r.status === 'reject')).toEqual([]);
          pending = results.filter((r) => r.status === 'retry').map((r) => r.key);
        }
        expect(pending).toEqual([]);
      }
      expect((await h.stats()).faults).toBeGreaterThanOrEqual(3);
      for (const key of keys) {
        expect((await h.effects(key)).creates, key).toBe(1);
        expect(await h.storedMatches(key, 2), key).toBe(true);
      }
    } finally {
      await h.close();
    }
  });
}
