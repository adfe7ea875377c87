export { MysqlConnector, readMysqlCatalog, type MysqlConfig } from './connector.ts';
export { classifyMysqlError } from './dialect.ts';
export { mysqlFromConnection } from './from-connection.ts';
