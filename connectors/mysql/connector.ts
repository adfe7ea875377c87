/** MySQL / MariaDB as a syncspec source and target: the shared SQL connector over the `mysql2` dialect. */
import type { Catalog } from '../../compiler/catalog/types.ts';
import { SqlConnector, type SqlConnectorConfig } from '../postgresql/sql/sql-connector.ts';
import { MysqlDialect, type MysqlSessionConfig } from './dialect.ts';

export type MysqlConfig = MysqlSessionConfig & SqlConnectorConfig;

export class MysqlConnector extends SqlConnector {
  constructor(config: MysqlConfig) {
    super(new MysqlDialect(config), config);
  }
}

/** The catalog of `entities` (default: every table of the database) from `information_schema`, without a CLI. */
export async function readMysqlCatalog(config: MysqlConfig, entities?: readonly string[]): Promise<Catalog> {
  const c = new MysqlConnector(config);
  try {
    return await c.readCatalog(entities);
  } finally {
    await c.close();
  }
}
