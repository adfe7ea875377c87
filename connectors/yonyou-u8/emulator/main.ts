/**
 * Standalone Yonyou U8 OpenAPI emulator for the demo and manual testing:
 *   node connectors/yonyou-u8/emulator/main.ts --port 0
 * prints `yonyou-u8 emulator listening on <url>` and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startU8Emulator } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer between 0 and 65535, got "${values.port}"\n`);
  process.exit(2);
}
const emulator = await startU8Emulator({ port });
process.stdout.write(`yonyou-u8 emulator listening on ${emulator.url} (from_account ${emulator.fromAccount}, to_account ${emulator.toAccount})\n`);
const stop = (): void => void emulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
