/** Kingdee K3Cloud connector from a Connection spec (auth methods of schemas/Connection.schema.json). */
import { ConnectionSettingsError, settingsReader, zoneOffsetMinutes, type ConnectionSettings, type SecretResolver } from '../shared/connection.ts';
import type { KingdeeAuth, KingdeeConfig, KingdeeFormConfig } from './client.ts';
import { KingdeeConnector } from './connector.ts';

export async function kingdeeFromConnection(c: ConnectionSettings, secret: SecretResolver, now?: () => number): Promise<KingdeeConnector> {
  const r = settingsReader(c);
  const a = c.auth;
  let auth: KingdeeAuth;
  if (a.method === 'password') auth = { kind: 'password', password: await secret(a.password, 'auth.password') };
  // The AppID embeds key material (its second half decodes to the client secret), so like the AppSecret
  // it is a secret reference (schemas/Connection.schema.json), never a literal.
  else if (a.method === 'app-secret') auth = { kind: 'appSecret', appId: await secret(a.appId, 'auth.appId'), appSecret: await secret(a.appSecret, 'auth.appSecret') };
  else if (a.method === 'signed-headers') {
    auth = { kind: 'signedHeaders', appId: await secret(a.appId, 'auth.appId'), appSecret: await secret(a.appSecret, 'auth.appSecret'), orgNumber: r.required(r.str('auth', 'orgNumber'), 'auth.orgNumber') };
  } else throw new ConnectionSettingsError(c, `auth method "${a.method}" is not supported for kingdee-k3cloud`);
  const zone = c.timezone ?? 'Asia/Shanghai';
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) throw new ConnectionSettingsError(c, `timezone "${zone}" is not an IANA time zone`);
  const config: KingdeeConfig = {
    serverUrl: c.url,
    acctId: r.required(r.str('auth', 'acctId'), 'auth.acctId'),
    username: r.required(r.str('auth', 'username'), 'auth.username'),
    auth,
    utcOffsetMinutes: offset,
  };
  const set = <K extends keyof KingdeeConfig>(k: K, v: KingdeeConfig[K] | undefined): void => {
    if (v !== undefined) config[k] = v;
  };
  set('lcid', r.num('auth', 'lcid'));
  set('timeoutMs', r.num('options', 'timeoutMs'));
  set('maxQueryLimit', r.num('options', 'maxQueryLimit'));
  set('maxBatchSize', r.num('options', 'maxBatchSize'));
  set('forms', r.obj<Record<string, KingdeeFormConfig>>('forms'));
  set('useOrgNumber', r.str('options', 'useOrgNumber'));
  return new KingdeeConnector(config, now);
}
