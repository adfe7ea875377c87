/** PostgreSQL as a syncspec source and target: the shared SQL connector over the `pg` dialect. */
import type { Catalog } from '../../compiler/catalog/types.ts';
import { PostgresDialect, type PostgresSessionConfig } from './dialect.ts';
import { SqlConnector, type SqlConnectorConfig } from './sql/sql-connector.ts';

export type PostgresConfig = PostgresSessionConfig & SqlConnectorConfig;

export class PostgresConnector extends SqlConnector {
  constructor(config: PostgresConfig) {
    super(new PostgresDialect(config), config);
  }
}

/**
 * The catalog of `entities` (default: every table of the configured schema) read from the database's own
 * metadata, without a CLI: what `catalog.json` holds for the static example, for any schema.
 */
export async function readPostgresCatalog(config: PostgresConfig, entities?: readonly string[]): Promise<Catalog> {
  const c = new PostgresConnector(config);
  try {
    return await c.readCatalog(entities);
  } finally {
    await c.close();
  }
}
