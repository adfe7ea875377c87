/**
 * The parts of @kubernetes/client-node the operator runs on — KubeConfig, Watch and ListWatch (the
 * informers), ApiException and the request context its authentication fills in — imported from their
 * own modules rather than the package root. The root re-exports every generated API class and model
 * (~24 MB of JavaScript source, which V8 keeps in the heap); the operator's requests are its own
 * (http.ts), so it does not need them. See slim-client.ts for the one import inside client-node that
 * would still load them.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { ListWatch } from '@kubernetes/client-node/dist/cache.js';
export { Watch } from '@kubernetes/client-node/dist/watch.js';
export { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
export { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
