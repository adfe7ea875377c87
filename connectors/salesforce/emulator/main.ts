/**
 * Standalone Salesforce emulator for the demo and cross-process tests:
 *   node connectors/salesforce/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `salesforce emulator listening on <url>`; seed records are by sObject type.
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startSalesforceEmulator } from './server.ts';

await runEmulator('salesforce', (o) => startSalesforceEmulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }));
