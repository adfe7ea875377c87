/** MySQL / MariaDB connector from a Connection spec (auth methods `password` and `connection-string`). */
import type { ConnectionSettings, SecretResolver } from '../shared/connection.ts';
import { sqlSettings } from '../postgresql/sql/settings.ts';
import { MysqlConnector, type MysqlConfig } from './connector.ts';

export async function mysqlFromConnection(c: ConnectionSettings, secret: SecretResolver): Promise<MysqlConnector> {
  const s = await sqlSettings(c, secret, ['mysql:', 'mariadb:']);
  const config: MysqlConfig = { ...s.connector, url: s.url };
  if (s.user !== undefined) config.user = s.user;
  if (s.password !== undefined) config.password = s.password;
  if (s.schema !== undefined) config.schema = s.schema;
  if (s.timezone !== undefined) config.timezone = s.timezone;
  if (s.timeoutMs !== undefined) config.timeoutMs = s.timeoutMs;
  if (s.poolSize !== undefined) config.poolSize = s.poolSize;
  return new MysqlConnector(config);
}
