export { MysqlConnector, readMysqlCatalog, type MysqlConfig } from './connector.ts';
export { classifyMysqlError } from './dialect.ts';
export { mysqlFromConnection } from './from-connection.ts';
export { readCatalogFromConnection } from '../postgresql/sql/catalog-from-connection.ts';
