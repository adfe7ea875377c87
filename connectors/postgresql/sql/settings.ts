/**
 * Connection spec → SQL connector settings, shared by PostgreSQL and MySQL. `url` names the server
 * (`postgres://syncspec@db:5432/erp`); the password arrives only through the secret resolver.
 *
 * options: schema, table, key (column or list), updatedAt, softDelete — for every entity — plus
 * `tables: { <entity>: { table, key, updatedAt, softDelete } }`, `echoTable`, `timeoutMs`, `poolSize`,
 * `maxBatchSize`, `applicationName`.
 */
import { ConnectionSettingsError, settingsReader, type ConnectionSettings, type SecretResolver } from '../../shared/connection.ts';
import { checkIdentifier, IdentifierError, splitQualified } from './identifiers.ts';
import type { SqlConnectorConfig, SqlEntitySettings } from './sql-connector.ts';
import { fixedOffsetOf } from './zone.ts';

export interface SqlSettings {
  url: string;
  user?: string;
  password?: string;
  schema?: string;
  timezone?: string;
  timeoutMs?: number;
  poolSize?: number;
  applicationName?: string;
  connector: SqlConnectorConfig;
}

export async function sqlSettings(c: ConnectionSettings, secret: SecretResolver, protocols: string[]): Promise<SqlSettings> {
  const r = settingsReader(c);
  let url: string;
  let password: string | undefined;
  let user: string | undefined;
  if (c.auth.method === 'password') {
    url = c.url;
    user = r.required(r.str('auth', 'username'), 'auth.username');
    password = await secret(c.auth.password, 'auth.password');
  } else if (c.auth.method === 'connection-string') {
    url = await secret(c.auth.connectionString, 'auth.connectionString');
  } else throw new ConnectionSettingsError(c, `auth method "${c.auth.method}" is not supported for ${c.system} (use password or connection-string)`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionSettingsError(c, c.auth.method === 'connection-string' ? 'auth.connectionString is not a URL' : `url is not a URL (expected ${protocols[0]}//user@host:port/database)`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConnectionSettingsError(c, `url must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  const out: SqlSettings = { url, connector: {} };
  if (user !== undefined) out.user = user;
  if (password !== undefined) out.password = password;
  const ident = (v: string | undefined, field: string): string | undefined => {
    if (v === undefined) return undefined;
    try {
      if (field === 'options.table' || field === 'options.echoTable') splitQualified(v, 'x');
      else checkIdentifier(v);
      return v;
    } catch (e) {
      throw new ConnectionSettingsError(c, `${field}: ${(e as IdentifierError).message}`);
    }
  };
  const keyOf = (v: unknown, field: string): string[] | undefined => {
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? (v as string[]) : undefined;
    if (!list) throw new ConnectionSettingsError(c, `${field} must be a column name or a list of them`);
    return list.map((k) => ident(k, field) as string);
  };
  const entitySettings = (o: Record<string, unknown>, where: string): SqlEntitySettings => {
    const e: SqlEntitySettings = {};
    const str = (k: string): string | undefined => {
      const v = o[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw new ConnectionSettingsError(c, `${where}.${k} must be a non-empty string`);
      return v;
    };
    const table = ident(str('table'), 'options.table');
    const key = keyOf(o.key, `${where}.key`);
    const updatedAt = ident(str('updatedAt'), `${where}.updatedAt`);
    const softDelete = ident(str('softDelete'), `${where}.softDelete`);
    if (table !== undefined) e.table = table;
    if (key !== undefined) e.key = key;
    if (updatedAt !== undefined) e.updatedAt = updatedAt;
    if (softDelete !== undefined) e.softDelete = softDelete;
    return e;
  };
  const options = c.options ?? {};
  out.connector.defaults = entitySettings(options, 'options');
  const tables = r.obj<Record<string, unknown>>('tables');
  if (tables) {
    out.connector.entities = {};
    for (const [name, v] of Object.entries(tables)) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConnectionSettingsError(c, `options.tables.${name} must be an object`);
      out.connector.entities[name] = entitySettings(v as Record<string, unknown>, `options.tables.${name}`);
    }
  }
  const echoTable = ident(r.str('options', 'echoTable'), 'options.echoTable');
  if (echoTable !== undefined) out.connector.echoTable = echoTable;
  const batch = r.num('options', 'maxBatchSize');
  if (batch !== undefined) out.connector.maxBatchSize = Math.floor(batch);
  const schema = ident(r.str('options', 'schema'), 'options.schema');
  if (schema !== undefined) out.schema = schema;
  if (c.timezone !== undefined) {
    try {
      fixedOffsetOf(c.timezone);
    } catch (e) {
      throw new ConnectionSettingsError(c, `timezone: ${(e as Error).message}`);
    }
    out.timezone = c.timezone;
  }
  const timeoutMs = r.num('options', 'timeoutMs');
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  const poolSize = r.num('options', 'poolSize');
  if (poolSize !== undefined) out.poolSize = Math.floor(poolSize);
  const app = r.str('options', 'applicationName');
  if (app !== undefined) out.applicationName = app;
  return out;
}
