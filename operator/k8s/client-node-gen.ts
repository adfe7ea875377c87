/**
 * Stands in for @kubernetes/client-node's `dist/gen/index.js` where its KubeConfig (`dist/config.js`)
 * imports it: the two names that module takes from there, from the modules that define them — without
 * the ~400 generated API and model modules `gen/index.js` re-exports. Wired by slim-client.ts.
 */
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
