export { PostgresConnector, readPostgresCatalog, type PostgresConfig } from './connector.ts';
export { classifyPostgresError } from './dialect.ts';
export { postgresFromConnection } from './from-connection.ts';
