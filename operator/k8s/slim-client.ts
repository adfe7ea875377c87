/**
 * Loads less of @kubernetes/client-node. Its KubeConfig module (`dist/config.js`) imports two names
 * from `./gen/index.js`, which re-exports every generated API class and model: ~24 MB of source text
 * that V8 keeps in the heap for as long as the process runs (about 24 MB of the operator's RSS,
 * measured with a probe importing config.js with and without this). A module resolve hook points that
 * one import at client-node-gen.ts, which exports the same two names from the modules defining them.
 *
 * Safe by construction: the hook is registered only when config.js imports exactly those names from
 * `./gen/index.js` (read from its source, so a client-node upgrade that changes it just loads the
 * whole package again), and only that import, from that file, is redirected. Must run before anything
 * imports client-node: the operator's CLI entry (cli/operator.ts) calls it, then imports main.ts.
 */
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const SHIM_EXPORTS = ['ServerConfiguration', 'createConfiguration'];

/** The names `source` imports from './gen/index.js' (sorted), or undefined when it has no such import. */
export function genIndexImports(source: string): string[] | undefined {
  const m = /import\s*\{([^}]*)\}\s*from\s*['"]\.\/gen\/index\.js['"]/.exec(source);
  if (!m) return undefined;
  return (m[1] as string).split(',').map((s) => s.trim()).filter((s) => s !== '').sort();
}

let registered = false;

/** Registers the hook (once); returns whether it is in place. */
export function loadLessOfClientNode(): boolean {
  if (registered) return true;
  let config: string;
  try {
    config = import.meta.resolve('@kubernetes/client-node/dist/config.js');
  } catch {
    return false;
  }
  const names = genIndexImports(readFileSync(fileURLToPath(config), 'utf8'));
  if (names === undefined || names.join() !== SHIM_EXPORTS.join() || typeof module.registerHooks !== 'function') return false;
  const shim = new URL('./client-node-gen.ts', import.meta.url).href;
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === './gen/index.js' && context.parentURL === config) return { url: shim, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
  registered = true;
  return true;
}
