/**
 * SS3002, SS3006, SS3007: a SyncSpec's source and target name an existing Connection, an entity of that
 * connection's system catalog (with the repo's EntitySchemas) and a key field of that entity.
 */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { isObj, str, type Repo } from './repo.ts';

/** Database catalogs are read from the database at run time; the shipped ones cover only the example tables. */
const RUNTIME_CATALOG_SYSTEMS = new Set(['postgresql', 'mysql']);

export function checkEndpoints(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    for (const side of ['source', 'target'] as const) {
      const endpoint = spec.body[side];
      if (!isObj(endpoint)) continue;
      const doc = spec.doc;
      const connectionName = str(endpoint.connection);
      if (connectionName === undefined) continue;
      const connection = repo.connections.get(connectionName);
      if (!connection) {
        const suggestion = closest(connectionName, repo.connections.keys());
        out.push({
          code: 'SS3002',
          severity: 'error',
          summary: `Unknown connection "${connectionName}" in ${side}.connection`,
          detail: suggestion ? `Did you mean "${suggestion}"?` : `No Connection named "${connectionName}" exists in the repository. Add one, or use one of: ${[...repo.connections.keys()].sort().join(', ') || '(none)'}.`,
          range: doc.locate(['spec', side, 'connection']),
          ...(suggestion ? { suggestion } : {}),
        });
        continue;
      }
      const system = str(connection.body.system);
      const entityName = str(endpoint.entity);
      if (system === undefined || entityName === undefined) continue;
      const catalog = repo.catalogs.catalogFor(system);
      const entity = catalog?.entities[entityName];
      if (!catalog || !entity) {
        const candidates = Object.entries(catalog?.entities ?? {}).filter(([, e]) => !e.child).map(([n]) => n);
        const suggestion = closest(entityName, candidates);
        const runtime = RUNTIME_CATALOG_SYSTEMS.has(system);
        out.push({
          code: 'SS3006',
          severity: runtime ? 'warning' : 'error',
          summary: `Unknown ${system} entity "${entityName}" in ${side}.entity`,
          detail: runtime
            ? `The ${system} catalog is read from the database when the worker starts; the shipped catalog does not list this table, so its fields cannot be checked now.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`
            : suggestion
              ? `Did you mean "${suggestion}"? (connection "${connectionName}" is ${system})`
              : `The ${system} catalog has no entity "${entityName}". Declare a custom object with an EntitySchema, or use a catalog entity.`,
          range: doc.locate(['spec', side, 'entity']),
          ...(suggestion ? { suggestion } : {}),
        });
        continue;
      }
      const key = str(endpoint.key);
      if (key !== undefined && !Object.hasOwn(entity.fields, key)) {
        const suggestion = closest(key, Object.keys(entity.fields));
        out.push({
          code: 'SS3007',
          severity: 'error',
          summary: `Key "${key}" is not a field of ${system} ${entityName}`,
          detail: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Keys of ${entityName}: ${entity.keys.join(', ')}. A custom key field must first be declared in an EntitySchema.`,
          range: doc.locate(['spec', side, 'key']),
          ...(suggestion ? { suggestion } : {}),
        });
      }
    }
  }
  return out;
}
