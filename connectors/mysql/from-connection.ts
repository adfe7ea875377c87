/** MySQL / MariaDB connector from a Connection spec (auth methods `password` and `connection-string`). */
import type { ConnectionSettings, SecretResolver } from '../shared/connection.ts';
import { sqlSettings } from '../postgresql/sql/settings.ts';
import { MysqlConnector, type MysqlConfig } from './connector.ts';

export async function mysqlFromConnection(c: ConnectionSettings, secret: SecretResolver): Promise<MysqlConnector> {
  const s = await sqlSettings(c, secret, ['mysql:', 'mariadb:']);
  // The session settings are set only when given; MySQL has no application name.
  const { connector, applicationName: _, ...session } = s;
  const config: MysqlConfig = { ...connector, ...session };
  return new MysqlConnector(config);
}
