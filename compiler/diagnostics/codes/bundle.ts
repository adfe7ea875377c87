import type { CodeInfo } from './types.ts';

/**
 * SS5220–SS5239 — `syncspec worker`: loading the compiled bundles the operator mounts (or `generated/`)
 * and starting a worker process from them (`runtime/bundle.ts`, `runtime/cli/worker.ts`).
 */
export const bundleCodes = {
  SS5220: {
    title: 'Worker bundle not found or incomplete',
    explanation:
      'A spec bundle is the directory `<generated>/<spec>/` holding `plan.json` and `transform.ts` (the operator mounts its `<spec>-bundle` ConfigMap there; `syncspec generate` writes the same layout under `generated/`). The directory or one of those files is missing, or the spec name is not a valid name. Check `--generated` and `--spec`, that the ConfigMap exists and that the Deployment mounts it; locally, run `syncspec generate` first.',
  },
  SS5221: {
    title: 'Bundle plan.json malformed',
    explanation:
      '`plan.json` of a bundle is not JSON, or not the plan of the spec it is stored under (its `name`, `source.connection` or `target.connection` is missing or differs). Bundles are written by the compiler only; regenerate it (`syncspec generate`) or let the operator rewrite the ConfigMap, and do not edit it by hand.',
  },
  SS5222: {
    title: 'Bundle document invalid',
    explanation:
      'A Connection or LookupTable YAML file in the bundle (`connections/<name>.yaml`, `lookups/<name>.yaml`) or in the `--repo` fallback does not load or does not validate. The compiler\'s own diagnostics are printed above it with file:line:col. The worker is not started, since it would run against settings it cannot trust; fix the document and apply it again.',
  },
  SS5223: {
    title: 'Unknown connection',
    explanation:
      'The plan reads from or writes to a connection for which neither the bundle (`connections/<name>.yaml`) nor the `--repo` fallback has a Connection document, or a connection override names a connection no spec uses. Apply the Connection in the namespace (the operator then adds it to the bundle) or pass `--repo` pointing at the repository that defines it.',
  },
  SS5224: {
    title: 'Unknown lookup table',
    explanation:
      'The plan uses `lookup(\'<name>\')` but no LookupTable of that name is in the bundle (`lookups/<name>.yaml`) or the `--repo` fallback, so every record would fail at delivery. Apply the LookupTable or pass `--repo`.',
  },
  SS5225: {
    title: 'Bundle transform cannot be loaded',
    explanation:
      '`transform.ts` of a bundle could not be imported, or does not export `filter` and `transform`. Outside the syncspec package the worker copies the bundle into a build directory (`--build-dir`, default under the system temp directory) so that `#support` resolves; a read-only file system without a writable build directory makes that fail. The message says which.',
  },
  SS5226: {
    title: 'Connection override invalid',
    explanation:
      'A connection override (`--connection name=url`, `--overrides file.json`, `$SYNCSPEC_CONNECTION_OVERRIDES`, or `$SYNCSPEC_CONNECTION_<NAME>_URL`) is malformed: not name=url, not a JSON object of `{ url, auth?, options? }` per connection, or a URL that does not parse. Overrides point a Connection at another endpoint (an emulator, a proxy) without changing the spec.',
  },
  SS5227: {
    title: 'Conflicting connection definitions',
    explanation:
      'Two bundles run by the same worker carry a Connection or LookupTable of the same name with different contents. One process builds one connector per connection, so it cannot honour both. Run the specs in separate workers (one Deployment each, as the operator does) or make the documents agree.',
  },
  SS5228: {
    title: 'Worker could not start',
    explanation:
      'Everything loaded, but the worker process failed while starting: a connector could not be built from its Connection (an unsupported system or option), or the HTTP server could not listen on --host/--port (port in use, no permission). The message names the cause. Secrets that cannot be read are reported as SS5091 and a store that cannot be opened as SS5010.',
  },
} satisfies Record<`SS52${string}`, CodeInfo>;
