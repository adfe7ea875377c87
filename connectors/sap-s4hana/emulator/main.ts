/**
 * Standalone SAP S/4HANA OData v2 emulator for the demo and manual testing:
 *   node connectors/sap-s4hana/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `sap-s4hana emulator listening on <url>`; seed records are by entity set.
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startSapEmulator } from './server.ts';

await runEmulator('sap-s4hana', (o) => startSapEmulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }), (e) => `services under /sap/opu/odata/sap/, user ${e.user}`);
