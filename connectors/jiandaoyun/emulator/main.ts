/**
 * Standalone Jiandaoyun v5 emulator for the demo and cross-process tests:
 *   node connectors/jiandaoyun/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `jiandaoyun emulator listening on <url> (API base <url>/api)`; seed rows are by "appId/entryId".
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startJiandaoyunEmulator } from './server.ts';

await runEmulator(
  'jiandaoyun',
  (o) => startJiandaoyunEmulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }),
  (e) => `API base ${e.url}/api`,
);
