/**
 * Standalone Kingdee K3Cloud emulator for the demo and manual testing:
 *   node connectors/kingdee-k3cloud/emulator/main.ts --port 0
 * prints `kingdee emulator listening on <url>` and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startKingdeeEmulator } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer between 0 and 65535, got "${values.port}"\n`);
  process.exit(2);
}
const emulator = await startKingdeeEmulator({ port });
process.stdout.write(`kingdee emulator listening on ${emulator.url} (service root ${emulator.serverUrl})\n`);
const stop = (): void => void emulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
