/**
 * Standalone Yonyou U8 OpenAPI emulator for the demo and manual testing:
 *   node connectors/yonyou-u8/emulator/main.ts --port 0 [--seed records.json] [--faults JSON]
 * prints `yonyou-u8 emulator listening on <url>`; seed records are by entity.
 */
import { runEmulator } from '../../shared/emulator/runner.ts';
import { startU8Emulator } from './server.ts';

await runEmulator('yonyou-u8', (o) => startU8Emulator({ port: o.port, ...(o.seed ? { seed: o.seed } : {}), ...(o.faults ? { faults: o.faults } : {}) }), (e) => `from_account ${e.fromAccount}, to_account ${e.toAccount}`);
