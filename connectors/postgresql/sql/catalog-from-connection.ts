/**
 * The live catalog of a database Connection, for the compiler or the runtime to call without a CLI:
 * builds the connector from the Connection spec (secrets through the resolver), reads the tables'
 * metadata, closes the connection.
 */
import type { Catalog } from '../../../compiler/catalog/types.ts';
import { ConnectionSettingsError, createConnector, type ConnectionSettings, type SecretResolver } from '../../shared/connection.ts';
import { SqlConnector } from './sql-connector.ts';

export async function readCatalogFromConnection(c: ConnectionSettings, secret: SecretResolver, entities?: readonly string[]): Promise<Catalog> {
  const connector = await createConnector(c, secret);
  try {
    if (!(connector instanceof SqlConnector)) throw new ConnectionSettingsError(c, `system ${c.system} has no live catalog; its catalog is connectors/${c.system}/catalog.json`);
    return await connector.readCatalog(entities);
  } finally {
    await connector.close();
  }
}
