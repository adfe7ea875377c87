/**
 * A relational table as a syncspec source and target (PostgreSQL and MySQL/MariaDB share this; the
 * `Dialect` holds what differs).
 *
 * - Reads poll an updated-at column with the tie-safe cursor `(updated_at, key) > ($1, $2) ORDER BY
 *   updated_at, key LIMIT n`; scans page the primary key (keyset pagination, never OFFSET).
 * - Writes are one multi-row, parameterised upsert per round of distinct keys, in one transaction per
 *   chunk. When the database refuses a value, the chunk is replayed row by row under savepoints so the
 *   good rows land and the bad one is rejected with the database's code and constraint.
 * - A pooled session that died while idle (killed backend, restarted server) is replaced once,
 *   transparently, when the first statement of a call finds it dead — nothing was sent yet. A
 *   connection lost later is reported retryable: the transaction was rolled back, or (during COMMIT)
 *   its outcome is unknown and the idempotent upsert makes the retry safe.
 */
import { createHash } from 'node:crypto';
import type { Catalog, EntityDef } from '../../../compiler/catalog/types.ts';
import type { Connector, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem } from '../../../runtime/support/connector.ts';
import { decodeToken, encodeToken, instantMs, isPosition } from '../../shared/cursor.ts';
import { CODES, ConnectorFailure, connectorError, fail, resultsForFailure, rethrowIfCallerAborted, roundsByKey } from '../../shared/errors.ts';
import { fieldDefOf, readValue, writeValue, type ColumnMeta, type TableMeta } from './columns.ts';
import type { Dialect, Lease, SqlSession, UpsertRound, WrittenRow } from './dialect.ts';
import { IdentifierError, splitQualified } from './identifiers.ts';

/** How one entity (table) is read and written; every field optional, the table's own metadata fills the rest. */
export interface SqlEntitySettings {
  /** `table` or `schema.table`; default: the entity name. */
  table?: string;
  /** Business key column(s) for upserts when the caller's keyField is not given; default: the primary key. */
  key?: string[];
  /** Incremental cursor column; default `updated_at` when the table has it. */
  updatedAt?: string;
  /** Column whose non-null, non-false value marks a row deleted. */
  softDelete?: string;
}

export interface SqlConnectorConfig {
  /** Settings for every entity not listed in `entities`. */
  defaults?: SqlEntitySettings;
  entities?: Record<string, SqlEntitySettings>;
  /** `schema.table` (or `table`) where the connector records the versions it wrote, to mark echoes. */
  echoTable?: string;
  /** Rows per multi-row statement and per transaction. */
  maxBatchSize?: number;
}

const ECHO_ENTITY_MAX = 200;

interface Resolved {
  entity: string;
  meta: TableMeta;
  qualified: string;
  byName: Map<string, ColumnMeta>;
  /** Columns identifying a row: the primary key (or the configured key when the table has none). */
  idColumns: ColumnMeta[];
  updatedAt?: ColumnMeta;
  softDelete?: ColumnMeta;
}

export class SqlConnector implements Connector {
  readonly system: string;
  readonly maxBatchSize: number;
  readonly #d: Dialect;
  readonly #config: SqlConnectorConfig;
  readonly #resolved = new Map<string, Promise<Resolved>>();
  #echoReady: Promise<void> | undefined;

  constructor(dialect: Dialect, config: SqlConnectorConfig = {}) {
    this.#d = dialect;
    this.#config = config;
    this.system = dialect.system;
    this.maxBatchSize = config.maxBatchSize ?? 500;
  }

  // ---- sessions -------------------------------------------------------------------------------

  /** Runs `body` on one pooled session; replaces a session found dead at its first statement, once. */
  async #withSession<T>(signal: AbortSignal | undefined, body: (s: SqlSession) => Promise<T>): Promise<T> {
    rethrowIfCallerAborted(signal);
    for (let attempt = 0; ; attempt++) {
      let lease: Lease;
      try {
        lease = await raceAbort(this.#d.acquire(), signal, (l) => l.release(true));
      } catch (e) {
        rethrowIfCallerAborted(signal);
        const c = this.#d.classify(e);
        throw new ConnectorFailure(c.error, { cause: e });
      }
      let statements = 0;
      let broken = false;
      const session: SqlSession = {
        query: async (sql, params) => {
          try {
            const rows = await raceAbort(lease.session.query(sql, params), signal, () => undefined);
            statements++;
            return rows;
          } catch (e) {
            if (signal?.aborted) broken = true;
            else if (this.#d.classify(e).connectionLost) broken = true;
            throw e;
          }
        },
      };
      try {
        const out = await body(session);
        lease.release(broken);
        return out;
      } catch (e) {
        lease.release(broken || signal?.aborted === true);
        rethrowIfCallerAborted(signal);
        if (e instanceof ConnectorFailure) throw e;
        const c = this.#d.classify(e);
        if (c.connectionLost && statements === 0 && attempt === 0) continue;
        throw new ConnectorFailure(c.error, { cause: e });
      }
    }
  }

  // ---- metadata -------------------------------------------------------------------------------

  #settings(entity: string): SqlEntitySettings {
    return { ...this.#config.defaults, ...this.#config.entities?.[entity] };
  }

  #resolve(entity: string, s: SqlSession): Promise<Resolved> {
    let p = this.#resolved.get(entity);
    if (!p) {
      p = this.#load(entity, s);
      this.#resolved.set(entity, p);
      p.catch(() => this.#resolved.delete(entity));
    }
    return p;
  }

  async #load(entity: string, s: SqlSession): Promise<Resolved> {
    const settings = this.#settings(entity);
    let schema: string;
    let table: string;
    try {
      ({ schema, table } = splitQualified(settings.table ?? entity, this.#d.defaultSchema));
    } catch (e) {
      if (e instanceof IdentifierError) throw fail(CODES.unknownEntity, 'bad-mapping', `${this.system}: entity ${JSON.stringify(entity)}: ${e.message}`);
      throw e;
    }
    const meta = await this.#d.tableMeta(s, schema, table);
    if (!meta) throw fail(CODES.unknownEntity, 'bad-mapping', `${this.system}: table ${schema}.${table} (entity ${entity}) does not exist or is not visible to this user`, { vendorCode: 'undefined_table' });
    const byName = new Map(meta.columns.map((c) => [c.name, c]));
    const column = (name: string | undefined, what: string): ColumnMeta | undefined => {
      if (name === undefined) return undefined;
      const c = byName.get(name);
      if (!c) throw fail(CODES.badMapping, 'bad-mapping', `${this.system}: ${what} column ${JSON.stringify(name)} is not a column of ${schema}.${table}`, { vendorCode: this.#d.unknownColumnCode });
      return c;
    };
    const idNames = meta.primaryKey.length > 0 ? meta.primaryKey : settings.key ?? meta.uniqueKeys[0] ?? [];
    const idColumns = idNames.map((n) => column(n, 'key') as ColumnMeta);
    const updatedAt = column(settings.updatedAt ?? (byName.has('updated_at') ? 'updated_at' : undefined), 'updated-at');
    const softDelete = column(settings.softDelete, 'soft-delete');
    const r: Resolved = { entity, meta, qualified: `${this.#d.quote(schema)}.${this.#d.quote(table)}`, byName, idColumns };
    if (updatedAt) r.updatedAt = updatedAt;
    if (softDelete) r.softDelete = softDelete;
    return r;
  }

  /** The catalog of these entities (default: every table of the default schema), from the database's own metadata. */
  async readCatalog(entities?: readonly string[], signal?: AbortSignal): Promise<Catalog> {
    return this.#withSession(signal, async (s) => {
      const echo = this.#echoTable();
      const names = entities ?? (await this.#d.listTables(s, this.#d.defaultSchema))
        .filter((t) => !(echo && echo.schema === this.#d.defaultSchema && echo.table === t)) // bookkeeping, not data
        .map((t) => `${this.#d.defaultSchema}.${t}`);
      const out: Catalog = { system: this.system, timezone: this.#d.zone, entities: {} };
      for (const name of [...names].sort()) {
        const r = await this.#resolve(name, s);
        if (r.idColumns.length === 0) {
          // A catalog entity needs a key; a keyless table cannot be upserted or read in a stable order.
          if (entities === undefined) continue;
          throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: ${name} has no primary or unique key (set options.key)`, { vendorCode: 'no_key' });
        }
        const def: EntityDef = { keys: r.idColumns.map((c) => c.name), fields: {} };
        if (r.updatedAt) def.cursor = r.updatedAt.name;
        for (const c of r.meta.columns) {
          // A JSON column is a record of entity `<entity>.<column>`, which the catalog leaves undefined (a
          // free-form document has no fixed fields): it passes through whole, or an EntitySchema declares it.
          def.fields[c.name] = fieldDefOf(c, name, this.#d.zone, c === r.updatedAt);
        }
        out.entities[name] = def;
      }
      // Deterministic output: entities sorted by name.
      out.entities = Object.fromEntries(Object.entries(out.entities).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return out;
    });
  }

  // ---- reads ----------------------------------------------------------------------------------

  #idOf(r: Resolved, row: Record<string, unknown>): string {
    const values = r.idColumns.map((c) => readValue(c, row[c.name], this.#d.offsetMinutes));
    return idText(values);
  }

  #decodeId(r: Resolved, id: string): unknown[] {
    if (r.idColumns.length === 1) return [id];
    const parsed = JSON.parse(id) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== r.idColumns.length) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: position id ${JSON.stringify(id)} does not fit the key of ${r.entity}`);
    return parsed;
  }

  #record(r: Resolved, row: Record<string, unknown>, echoes: Map<string, string> | undefined): SourceRecord {
    const data: Record<string, unknown> = {};
    for (const c of r.meta.columns) data[c.name] = readValue(c, row[c.name], this.#d.offsetMinutes);
    const id = this.#idOf(r, row);
    const cursor = r.updatedAt ? (data[r.updatedAt.name] as string | null) : null;
    const version = typeof cursor === 'string' ? cursor : createHash('sha256').update(JSON.stringify(data)).digest('base64url');
    const rec: SourceRecord = { id, version, data };
    if (typeof cursor === 'string') rec.cursor = cursor;
    if (r.softDelete) {
      const v = data[r.softDelete.name];
      if (v !== null && v !== false && v !== undefined) rec.deleted = true;
    }
    if (echoes && echoes.get(id) === version) rec.echo = true;
    return rec;
  }

  async #echoesFor(s: SqlSession, entity: string, ids: string[]): Promise<Map<string, string> | undefined> {
    const echo = this.#echoTable();
    if (!echo || ids.length === 0) return undefined;
    await this.#ensureEcho(s);
    return this.#d.readEchoes(s, echo.schema, echo.table, entity.slice(0, ECHO_ENTITY_MAX), ids);
  }

  #echoTable(): { schema: string; table: string } | undefined {
    return this.#config.echoTable === undefined ? undefined : splitQualified(this.#config.echoTable, this.#d.defaultSchema);
  }

  #ensureEcho(s: SqlSession): Promise<void> {
    const echo = this.#echoTable();
    if (!echo) return Promise.resolve();
    if (!this.#echoReady) {
      this.#echoReady = this.#d.ensureEchoTable(s, echo.schema, echo.table);
      this.#echoReady.catch(() => (this.#echoReady = undefined));
    }
    return this.#echoReady;
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    return this.#withSession(signal, async (s) => {
      const r = await this.#resolve(entity, s);
      if (!r.updatedAt) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: ${entity} has no updated-at column to poll (set options.updatedAt)`, { vendorCode: 'no_cursor_column' });
      if (r.idColumns.length === 0) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: ${entity} has no primary or unique key to order ties by`, { vendorCode: 'no_key' });
      let from = since;
      let strict = since !== undefined && since.id !== '';
      if (page.next !== undefined) {
        const p = decodeToken(page.next, isPosition);
        if (!p) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: page token is not one this connector issued`);
        from = p;
        strict = true;
      }
      const d = this.#d;
      const ua = d.quote(r.updatedAt.name);
      const keys = r.idColumns.map((c) => d.orderKey(d.quote(c.name), c));
      const params: unknown[] = [];
      const where = [`${ua} IS NOT NULL`];
      if (from !== undefined && Number.isNaN(instantMs(from.at))) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: cursor position ${JSON.stringify(from.at)} is not an ISO-8601 instant`);
      if (from !== undefined) {
        params.push(writeValue(r.updatedAt, from.at, d.offsetMinutes, d.booleanAsInt));
        if (strict) {
          const idValues = this.#decodeId(r, from.id);
          const ph = idValues.map((v, i) => {
            params.push(v);
            return d.orderKey(d.param(i + 2), r.idColumns[i] as ColumnMeta);
          });
          where.push(`(${ua}, ${keys.join(', ')}) > (${d.param(1)}, ${ph.join(', ')})`);
        } else where.push(`${ua} >= ${d.param(1)}`);
      }
      const limit = Math.max(1, Math.floor(page.limit));
      const sql = `SELECT * FROM ${r.qualified} WHERE ${where.join(' AND ')} ORDER BY ${ua}, ${keys.join(', ')} LIMIT ${limit + 1}`;
      const rows = await s.query(sql, params);
      const more = rows.length > limit;
      const pageRows = rows.slice(0, limit);
      const echoes = await this.#echoesFor(s, entity, pageRows.map((row) => this.#idOf(r, row)));
      const records = pageRows.map((row) => this.#record(r, row, echoes));
      const out: ReadPage = { records };
      const last = records.at(-1);
      if (last?.cursor !== undefined) {
        out.checkpoint = { at: last.cursor, id: last.id };
        if (more) out.next = encodeToken(out.checkpoint);
      }
      return out;
    });
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    let after: unknown[] | undefined;
    const limit = Math.max(1, Math.floor(opts.pageSize));
    for (;;) {
      const { records, lastKey } = await this.#withSession(opts.signal, async (s) => {
        const r = await this.#resolve(entity, s);
        if (r.idColumns.length === 0) throw fail(CODES.queryRejected, 'bad-mapping', `${this.system}: ${entity} has no primary or unique key to scan by`, { vendorCode: 'no_key' });
        const d = this.#d;
        const keys = r.idColumns.map((c) => d.orderKey(d.quote(c.name), c));
        const params = after ?? [];
        const where = after === undefined ? '' : ` WHERE (${keys.join(', ')}) > (${params.map((_, i) => d.orderKey(d.param(i + 1), r.idColumns[i] as ColumnMeta)).join(', ')})`;
        const rows = await s.query(`SELECT * FROM ${r.qualified}${where} ORDER BY ${keys.join(', ')} LIMIT ${limit}`, params);
        const echoes = await this.#echoesFor(s, entity, rows.map((row) => this.#idOf(r, row)));
        const last = rows.at(-1);
        return { records: rows.map((row) => this.#record(r, row, echoes)), lastKey: last ? r.idColumns.map((c) => readValue(c, last[c.name], d.offsetMinutes)) : undefined };
      });
      if (records.length > 0) yield records;
      if (records.length < limit || lastKey === undefined) return;
      after = lastKey;
    }
  }

  // ---- writes ---------------------------------------------------------------------------------

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    rethrowIfCallerAborted(signal);
    const results: (ItemResult | undefined)[] = items.map(() => undefined);
    let r: Resolved;
    try {
      r = await this.#withSession(signal, (s) => this.#resolve(entity, s));
    } catch (e) {
      rethrowIfCallerAborted(signal);
      if (e instanceof ConnectorFailure) return resultsForFailure(items, e.error);
      throw e;
    }
    const keyNames = keyField.split(',').map((k) => k.trim()).filter((k) => k !== '');
    const keyColumns = keyNames.map((k) => r.byName.get(k));
    if (keyColumns.length === 0 || keyColumns.some((c) => c === undefined)) {
      return resultsForFailure(items, connectorError(CODES.badMapping, 'bad-mapping', `${this.system}: key ${JSON.stringify(keyField)} is not a column of ${entity}`, { vendorCode: this.#d.unknownColumnCode }));
    }
    // An upsert by a key the database does not enforce would insert a duplicate on every retry (MySQL) or
    // fail every statement (PostgreSQL ON CONFLICT): refuse it up front, naming the keys that exist.
    const same = (a: readonly string[]) => a.length === keyNames.length && [...a].sort().join('\0') === [...keyNames].sort().join('\0');
    if (!same(r.meta.primaryKey) && !r.meta.uniqueKeys.some(same)) {
      const known = [r.meta.primaryKey, ...r.meta.uniqueKeys].filter((k) => k.length > 0).map((k) => `(${k.join(', ')})`).join(', ') || 'none';
      return resultsForFailure(items, connectorError(CODES.badMapping, 'bad-mapping', `${this.system}: ${entity} has no primary key or unique constraint on (${keyNames.join(', ')}); unique keys: ${known}`, { vendorCode: 'no_unique_key' }));
    }
    const valid: { item: UpsertItem; index: number }[] = [];
    items.forEach((item, index) => {
      const problem = this.#checkRecord(r, keyColumns as ColumnMeta[], item.record);
      if (problem) results[index] = { key: item.key, status: 'reject', error: problem };
      else valid.push({ item, index });
    });
    for (let i = 0; i < valid.length; i += this.maxBatchSize) {
      const chunk = valid.slice(i, i + this.maxBatchSize);
      const out = await this.#writeChunk(r, keyColumns as ColumnMeta[], chunk.map((c) => c.item), signal);
      chunk.forEach((c, j) => (results[c.index] = out[j]));
    }
    return results.map((x, i) => x ?? { key: items[i]!.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `${this.system}: no outcome for record`) });
  }

  #checkRecord(r: Resolved, keyColumns: ColumnMeta[], record: Record<string, unknown>) {
    for (const name of Object.keys(record)) {
      const c = r.byName.get(name);
      if (!c) return connectorError(CODES.badMapping, 'bad-mapping', `${this.system}: ${r.entity} has no column ${JSON.stringify(name)}`, { vendorCode: this.#d.unknownColumnCode });
      if (c.generated) return connectorError(CODES.badMapping, 'bad-mapping', `${this.system}: ${r.entity}.${name} is computed by the database and cannot be written`, { vendorCode: 'generated_column' });
    }
    for (const c of keyColumns) {
      const v = record[c.name];
      if (v === null || v === undefined || v === '') return connectorError(CODES.badMapping, 'bad-mapping', `${this.system}: record has no value for key column ${c.name}`, { vendorCode: 'missing_key' });
    }
    return undefined;
  }

  async #writeChunk(r: Resolved, keyColumns: ColumnMeta[], items: UpsertItem[], signal: AbortSignal | undefined): Promise<ItemResult[]> {
    const results: (ItemResult | undefined)[] = items.map(() => undefined);
    const keyText = (item: UpsertItem) => idText(keyColumns.map((c) => item.record[c.name]));
    try {
      await this.#withSession(signal, async (s) => {
        await this.#ensureEcho(s);
        await this.#transaction(s, r, items, results, async (written) => {
          for (const round of roundsByKey(items.map((item) => ({ key: keyText(item), item })))) {
            written.push(...(await this.#writeRound(s, r, keyColumns, round.map((x) => ({ index: x.index, item: x.item.item })))));
          }
        });
      });
      return results as ItemResult[];
    } catch (e) {
      rethrowIfCallerAborted(signal);
      const raw = e instanceof ConnectorFailure ? e.cause : e;
      const c = raw === undefined ? undefined : this.#d.classify(raw);
      if (!c?.perRecord) return resultsForFailure(items, e instanceof ConnectorFailure ? e.error : this.#d.classify(e).error);
      if (items.length === 1) return [{ key: items[0]!.key, status: 'reject', error: c.error }];
    }
    return this.#writeRowByRow(r, keyColumns, items, signal);
  }

  /**
   * One transaction around the rows `write` adds to `written`, with their echo marks; the written rows'
   * results are filled in only after COMMIT returned. Any failure rolls back and is rethrown.
   */
  async #transaction(s: SqlSession, r: Resolved, items: UpsertItem[], results: (ItemResult | undefined)[], write: (written: { index: number; row: WrittenRow }[]) => Promise<void>): Promise<void> {
    await s.query('BEGIN');
    try {
      const written: { index: number; row: WrittenRow }[] = [];
      await write(written);
      await this.#recordEchoes(s, r, written.map((w) => w.row));
      await s.query('COMMIT');
      for (const w of written) results[w.index] = this.#ok(r, items[w.index]!, w.row);
    } catch (e) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** Replays a refused chunk one row per savepoint: good rows commit, each refused row gets its own reject. */
  async #writeRowByRow(r: Resolved, keyColumns: ColumnMeta[], items: UpsertItem[], signal: AbortSignal | undefined): Promise<ItemResult[]> {
    const results: (ItemResult | undefined)[] = items.map(() => undefined);
    try {
      await this.#withSession(signal, async (s) => {
        await this.#transaction(s, r, items, results, async (written) => {
          for (const [index, item] of items.entries()) {
            await s.query('SAVEPOINT syncspec_row');
            try {
              written.push(...(await this.#writeRound(s, r, keyColumns, [{ index, item }])));
              await s.query('RELEASE SAVEPOINT syncspec_row');
            } catch (e) {
              const c = this.#d.classify(e);
              if (!c.perRecord) throw e;
              await s.query('ROLLBACK TO SAVEPOINT syncspec_row');
              results[index] = { key: item.key, status: 'reject', error: c.error };
            }
          }
        });
      });
      return results.map((x, i) => x ?? { key: items[i]!.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `${this.system}: no outcome for record`) });
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(items, e instanceof ConnectorFailure ? e.error : this.#d.classify(e).error);
    }
  }

  #ok(r: Resolved, item: UpsertItem, row: WrittenRow): ItemResult {
    const targetId = idText(row.primaryValues.map((v, i) => readValue(r.idColumns[i] as ColumnMeta, v, this.#d.offsetMinutes)));
    return { key: item.key, status: 'ok', targetId, created: row.created };
  }

  async #recordEchoes(s: SqlSession, r: Resolved, rows: WrittenRow[]): Promise<void> {
    const echo = this.#echoTable();
    if (!echo || !r.updatedAt || rows.length === 0) return;
    const latest = new Map<string, string>();
    for (const row of rows) {
      const id = idText(row.primaryValues.map((v, i) => readValue(r.idColumns[i] as ColumnMeta, v, this.#d.offsetMinutes)));
      const version = readValue(r.updatedAt, row.updatedAtRaw, this.#d.offsetMinutes);
      if (typeof version === 'string') latest.set(id, version);
    }
    await this.#d.recordEchoes(s, echo.schema, echo.table, r.entity.slice(0, ECHO_ENTITY_MAX), [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, version]) => ({ id, version })));
  }

  /** One multi-row statement per distinct column set, within the parameter limit. */
  async #writeRound(s: SqlSession, r: Resolved, keyColumns: ColumnMeta[], round: { index: number; item: UpsertItem }[]): Promise<{ index: number; row: WrittenRow }[]> {
    const groups = new Map<string, { index: number; item: UpsertItem }[]>();
    for (const x of round) {
      const sig = Object.keys(x.item.record).filter((k) => x.item.record[k] !== undefined).sort().join('\0');
      groups.set(sig, [...(groups.get(sig) ?? []), x]);
    }
    const out: { index: number; row: WrittenRow }[] = [];
    for (const [sig, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const columns = sig.split('\0').map((n) => r.byName.get(n) as ColumnMeta);
      const perStatement = Math.max(1, Math.floor(this.#d.maxParams / Math.max(1, columns.length + 2)));
      for (let i = 0; i < members.length; i += perStatement) {
        const part = members.slice(i, i + perStatement);
        const plan: UpsertRound = {
          table: r.meta,
          columns,
          keyColumns,
          rows: part.map((m) => columns.map((c) => writeValue(c, m.item.record[c.name], this.#d.offsetMinutes, this.#d.booleanAsInt))),
        };
        if (r.updatedAt && !columns.includes(r.updatedAt)) plan.updatedAt = r.updatedAt;
        const written = await this.#d.upsert(s, plan);
        const byKey = new Map(written.map((w) => [idText(w.keyValues.map((v, j) => readValue(keyColumns[j] as ColumnMeta, v, this.#d.offsetMinutes))), w]));
        for (const m of part) {
          const w = byKey.get(idText(keyColumns.map((c) => normaliseKey(c, m.item.record[c.name], this.#d.offsetMinutes, this.#d.booleanAsInt))));
          if (!w) throw fail(CODES.badReply, 'retryable', `${this.system}: the upsert returned no row for key ${m.item.key}`);
          out.push({ index: m.index, row: w });
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#d.close();
  }
}

/** A key value as the database will hand it back (numbers as their decimal text), for matching written rows. */
function normaliseKey(c: ColumnMeta, v: unknown, offsetMinutes: number, booleanAsInt: boolean): unknown {
  return readValue(c, writeValue(c, v, offsetMinutes, booleanAsInt), offsetMinutes);
}

/** Record id text: the single key value, or a JSON array of the values of a composite key. */
export function idText(values: readonly unknown[]): string {
  const texts = values.map((v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return texts.length === 1 ? (texts[0] as string) : JSON.stringify(texts);
}

/** Waits for `p` or the caller's abort, whichever comes first; a value that arrives after the abort is disposed of. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, dispose: (late: T) => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.then(dispose, () => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.then(dispose, () => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
