/** PostgreSQL connector from a Connection spec (auth methods `password` and `connection-string`). */
import type { ConnectionSettings, SecretResolver } from '../shared/connection.ts';
import { PostgresConnector, type PostgresConfig } from './connector.ts';
import { sqlSettings } from './sql/settings.ts';

export async function postgresFromConnection(c: ConnectionSettings, secret: SecretResolver): Promise<PostgresConnector> {
  const s = await sqlSettings(c, secret, ['postgres:', 'postgresql:']);
  // The session settings are set only when given.
  const { connector, ...session } = s;
  const config: PostgresConfig = { ...connector, ...session };
  return new PostgresConnector(config);
}
