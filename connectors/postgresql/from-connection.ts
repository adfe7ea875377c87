/** PostgreSQL connector from a Connection spec (auth methods `password` and `connection-string`). */
import type { ConnectionSettings, SecretResolver } from '../shared/connection.ts';
import { PostgresConnector, type PostgresConfig } from './connector.ts';
import { sqlSettings } from './sql/settings.ts';

export async function postgresFromConnection(c: ConnectionSettings, secret: SecretResolver): Promise<PostgresConnector> {
  const s = await sqlSettings(c, secret, ['postgres:', 'postgresql:']);
  const config: PostgresConfig = { ...s.connector, url: s.url };
  if (s.user !== undefined) config.user = s.user;
  if (s.password !== undefined) config.password = s.password;
  if (s.schema !== undefined) config.schema = s.schema;
  if (s.timezone !== undefined) config.timezone = s.timezone;
  if (s.timeoutMs !== undefined) config.timeoutMs = s.timeoutMs;
  if (s.poolSize !== undefined) config.poolSize = s.poolSize;
  if (s.applicationName !== undefined) config.applicationName = s.applicationName;
  return new PostgresConnector(config);
}
