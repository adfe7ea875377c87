/**
 * Standalone Zoho CRM emulator for the demo and manual testing:
 *   node connectors/zoho-crm/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `zoho-crm emulator listening on <url>`; seed records are by module.
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startZohoEmulator } from './server.ts';

await runEmulator('zoho-crm', (o) => startZohoEmulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }), () => 'accounts host and api_domain');
