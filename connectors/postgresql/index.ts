export { PostgresConnector, readPostgresCatalog, type PostgresConfig } from './connector.ts';
export { classifyPostgresError } from './dialect.ts';
export { postgresFromConnection } from './from-connection.ts';
export { readCatalogFromConnection } from './sql/catalog-from-connection.ts';
