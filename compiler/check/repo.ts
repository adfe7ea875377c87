/**
 * One index over the repo's documents that every semantic check reads: objects by kind and name, and the
 * catalogs as the repo's EntitySchemas extend them. Built once per `checkRepo` call.
 *
 * Documents reaching this phase passed their JSON Schema, but the accessors below still treat every value as
 * unknown: a check must never throw, whatever it is handed.
 */
import { buildCatalogs, type CatalogSet } from '../catalog/load.ts';
import type { ConnectionBody, LoadedDocument, LookupTableBody, SyncSpecBody } from '../model.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The `spec` of a document, when it is an object. */
export function specOf(doc: LoadedDocument): Obj | undefined {
  const value = doc.value;
  return isObj(value) && isObj(value.spec) ? value.spec : undefined;
}

export interface Named<B> {
  doc: LoadedDocument;
  name: string;
  /** The spec body, shape-checked only as far as `isObj`; read fields defensively. `B` documents what to expect. */
  body: Obj;
  /** Phantom: the body type this entry is expected to have. */
  readonly expected?: B;
}

export interface Repo {
  docs: readonly LoadedDocument[];
  syncSpecs: Named<SyncSpecBody>[];
  /** First occurrence of each name (duplicates are reported by the names check). */
  connections: Map<string, Named<ConnectionBody>>;
  lookupTables: Map<string, Named<LookupTableBody>>;
  specsByName: Map<string, Named<SyncSpecBody>>;
  catalogs: CatalogSet;
}

/** Stable order for everything derived from the docs: file, then document index. */
export function byFileOrder(a: LoadedDocument, b: LoadedDocument): number {
  return a.file === b.file ? a.index - b.index : a.file < b.file ? -1 : 1;
}

export function indexRepo(docs: readonly LoadedDocument[]): Repo {
  const ordered = [...docs].sort(byFileOrder);
  const named = <B>(kind: LoadedDocument['kind']): Named<B>[] =>
    ordered.flatMap((doc) => {
      const body = specOf(doc);
      return doc.kind === kind && doc.name !== undefined && body ? [{ doc, name: doc.name, body }] : [];
    });
  const firstByName = <B>(list: Named<B>[]): Map<string, Named<B>> => {
    const map = new Map<string, Named<B>>();
    for (const item of list) if (!map.has(item.name)) map.set(item.name, item);
    return map;
  };
  const syncSpecs = named<SyncSpecBody>('SyncSpec');
  return {
    docs: ordered,
    syncSpecs,
    connections: firstByName(named<ConnectionBody>('Connection')),
    lookupTables: firstByName(named<LookupTableBody>('LookupTable')),
    specsByName: firstByName(syncSpecs),
    catalogs: buildCatalogs(ordered),
  };
}

/** The system a SyncSpec endpoint's connection belongs to, when the connection exists. */
export function systemOf(repo: Repo, connection: unknown): string | undefined {
  const name = str(connection);
  return name === undefined ? undefined : str(repo.connections.get(name)?.body.system);
}
