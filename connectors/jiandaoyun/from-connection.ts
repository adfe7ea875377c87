/** Jiandaoyun connector from a Connection spec (auth methods of schemas/Connection.schema.json). */
import { ConnectionSettingsError, settingsReader, type ConnectionSettings, type SecretResolver } from '../shared/connection.ts';
import type { JiandaoyunConfig, JiandaoyunFormRef } from './client.ts';
import { JiandaoyunConnector } from './connector.ts';

export async function jiandaoyunFromConnection(c: ConnectionSettings, secret: SecretResolver, now?: () => number): Promise<JiandaoyunConnector> {
  const r = settingsReader(c);
  if (c.auth.method !== 'api-key') throw new ConnectionSettingsError(c, `auth method "${c.auth.method}" is not supported for jiandaoyun (use api-key)`);
  const config: JiandaoyunConfig = { baseUrl: c.url, apiKey: await secret(c.auth.apiKey, 'auth.apiKey') };
  if (c.webhook?.secret !== undefined) config.webhookSecret = await secret(c.webhook.secret, 'webhook.secret');
  const set = <K extends keyof JiandaoyunConfig>(k: K, v: JiandaoyunConfig[K] | undefined): void => {
    if (v !== undefined) config[k] = v;
  };
  set('forms', r.obj<Record<string, JiandaoyunFormRef>>('forms'));
  set('dataCreator', r.str('options', 'dataCreator'));
  set('integrationUsername', r.str('options', 'integrationUsername'));
  set('webhookWindowSeconds', r.num('options', 'webhookWindowSeconds'));
  set('timeoutMs', r.num('options', 'timeoutMs'));
  return new JiandaoyunConnector(config, now);
}
