/**
 * Runs the test API server for manual use:
 *   node test/kube/main.ts [--port 8001] [--gc] [--history 10000] [--bookmark-ms 0] [--token T] [--kubeconfig out.yaml]
 * then `KUBECONFIG=out.yaml kubectl get ns`. `--token` makes the server demand `Authorization: Bearer T`; kubectl
 * (client-go) sends tokens only over TLS, so use it for client-node and curl, not kubectl. Admin switches: POST /_admin/drop-watches, /_admin/bookmarks,
 * /_admin/compact, /_admin/gc?mode=on|off.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kubeconfigYaml } from './kubeconfig.ts';
import { startKubeServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8001' },
    gc: { type: 'boolean', default: false },
    history: { type: 'string', default: '10000' },
    'bookmark-ms': { type: 'string', default: '0' },
    kubeconfig: { type: 'string' },
    token: { type: 'string' },
  },
});
const server = await startKubeServer({
  port: Number(values.port),
  garbageCollection: values.gc ? 'on' : 'off',
  historyLimit: Number(values.history),
  bookmarkIntervalMs: Number(values['bookmark-ms']),
  ...(values.token ? { token: values.token } : {}),
});
if (values.kubeconfig) writeFileSync(values.kubeconfig, values.token ? kubeconfigYaml(server.url, values.token) : kubeconfigYaml(server.url));
process.stdout.write(`test API server listening on ${server.url}${values.kubeconfig ? ` (kubeconfig ${values.kubeconfig})` : ''}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
