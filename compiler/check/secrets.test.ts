import { describe, expect, it } from 'vitest';
import { checkRepo } from './index.ts';
import { indexRepo } from './repo.ts';
import { checkSecrets, isSecretKey } from './secrets.ts';
import { brief, CONNECTIONS, docsFrom, ORDER_SPEC } from './testing.ts';

const SECRET = 'hunter2-Sup3rS3cret!';

describe('isSecretKey', () => {
  it('matches credential names in any casing and separator style', () => {
    for (const k of ['password', 'Password', 'client_secret', 'clientSecret', 'app-secret', 'apiKey', 'API_KEY', 'accessToken', 'refresh_token', 'privateKey', 'Authorization', 'pwd'])
      expect(isSecretKey(k)).toBe(true);
    for (const k of ['secretKeyRef', 'tokenUrl', 'username', 'method', 'keyType', 'passwordPolicy', 'tokens_per_second'])
      expect(isSecretKey(k)).toBe(false);
  });
});

describe('checkSecrets', () => {
  it('accepts references and is silent on the example repo shapes', () => {
    expect(checkSecrets(indexRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/o.yaml': ORDER_SPEC })))).toEqual([]);
  });

  it('reports literal secrets in auth, options, URLs and connection strings without ever echoing them', () => {
    const conn = CONNECTIONS.replace('password: { env: KINGDEE_PASSWORD }', `password: "${SECRET}"`)
      .replace('url: https://acme.my.salesforce.com', `url: https://integration:${SECRET}@acme.my.salesforce.com`)
      .replace('  timezone: Asia/Shanghai', `  timezone: Asia/Shanghai\n  options:\n    dsn: "Server=db;User Id=sa;Password=${SECRET};"\n    watch: { token: ${SECRET} }`);
    const spec = ORDER_SPEC.replace('input: { OrderNumber: "00000123" }', `input: { OrderNumber: "00000123", api_key: ${SECRET} }`)
      .replace('FBillNo: source.OrderNumber', 'FBillNo: source.OrderNumber\n    FPassword: source.Password__c');
    const docs = docsFrom({ 'specs/c.yaml': conn, 'specs/o.yaml': spec });
    const ds = checkSecrets(indexRepo(docs));
    expect(brief(ds)).toEqual([
      'SS3015 specs/c.yaml:7:28',
      'SS3015 specs/c.yaml:22:41',
      'SS3015 specs/c.yaml:23:21',
      'SS3015 specs/c.yaml:28:15',
      'SS3015 specs/o.yaml:31:50',
    ]);
    expect(ds.map((d) => d.summary)).toEqual([
      'Password written into the text of spec.url',
      'Password written into the text of spec.options.dsn',
      'Literal secret in spec.options.watch.token',
      'Literal secret in spec.auth.password',
      'Literal secret in spec.examples[0].input.api_key',
    ]);
    expect(ds[0]?.range?.end.col).toBe(28 + SECRET.length);
    // The whole pipeline's output, serialised as the JSON reporter would, never contains the value.
    const json = JSON.stringify(checkRepo(docs));
    expect(json).toContain('SS3015');
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('Sup3r');
  });
});
