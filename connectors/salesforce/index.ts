/** Salesforce connector and its emulator (see connectors/shared/README.md). */
export { createSalesforceConnector, SALESFORCE_MAX_BATCH, SalesforceConnector } from './connector.ts';
export { REQUEST_LIMIT_BACKOFF_MS, SalesforceClient, type SalesforceAuth, type SalesforceConfig } from './client.ts';
export { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from './emulator/server.ts';
