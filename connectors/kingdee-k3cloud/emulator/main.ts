/**
 * Standalone Kingdee K3Cloud emulator for the demo and cross-process tests:
 *   node connectors/kingdee-k3cloud/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `kingdee emulator listening on <url> (service root <url>/k3cloud/)`; seed models are by form id.
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startKingdeeEmulator } from './server.ts';

await runEmulator(
  'kingdee',
  (o) => startKingdeeEmulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }),
  (e) => `service root ${e.url}/k3cloud/`,
);
