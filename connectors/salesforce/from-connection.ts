/** Salesforce connector from a Connection spec (auth methods of schemas/Connection.schema.json). */
import { ConnectionSettingsError, settingsReader, type ConnectionSettings, type SecretResolver } from '../shared/connection.ts';
import type { SalesforceAuth, SalesforceConfig } from './client.ts';
import { SalesforceConnector } from './connector.ts';

export async function salesforceFromConnection(c: ConnectionSettings, secret: SecretResolver, now?: () => number): Promise<SalesforceConnector> {
  const r = settingsReader(c);
  const a = c.auth;
  let auth: SalesforceAuth;
  if (a.method === 'oauth2-client-credentials') {
    auth = { flow: 'client_credentials', clientId: await secret(a.clientId, 'auth.clientId'), clientSecret: await secret(a.clientSecret, 'auth.clientSecret') };
  } else if (a.method === 'oauth2-refresh-token') {
    auth = { flow: 'refresh_token', clientId: await secret(a.clientId, 'auth.clientId'), clientSecret: await secret(a.clientSecret, 'auth.clientSecret'), refreshToken: await secret(a.refreshToken, 'auth.refreshToken') };
  } else if (a.method === 'oauth2-jwt-bearer') {
    const audience = r.str('auth', 'audience');
    auth = {
      flow: 'jwt_bearer',
      clientId: await secret(a.clientId, 'auth.clientId'),
      username: r.required(r.str('auth', 'username'), 'auth.username'),
      privateKey: await secret(a.privateKey, 'auth.privateKey'),
      ...(audience !== undefined ? { audience } : {}),
    };
  } else throw new ConnectionSettingsError(c, `auth method "${a.method}" is not supported for salesforce`);
  const config: SalesforceConfig = { loginUrl: c.url, auth };
  const version = r.str('options', 'apiVersion');
  if (version !== undefined) {
    if (!/^v?\d+\.\d$/.test(version)) throw new ConnectionSettingsError(c, 'options.apiVersion must look like "v62.0"');
    config.apiVersion = version.replace(/^v/, '');
  }
  const set = <K extends keyof SalesforceConfig>(k: K, v: SalesforceConfig[K] | undefined): void => {
    if (v !== undefined) config[k] = v;
  };
  set('organizationId', r.str('options', 'organizationId'));
  set('callClient', r.str('options', 'callClient'));
  set('integrationUserId', r.str('options', 'integrationUserId'));
  set('cursorField', r.str('options', 'cursorField'));
  set('timeoutMs', r.num('options', 'timeoutMs'));
  set('fields', r.obj<Record<string, string[]>>('fields'));
  set('children', r.obj<Record<string, Record<string, string[]>>>('children'));
  return new SalesforceConnector(config, now);
}
