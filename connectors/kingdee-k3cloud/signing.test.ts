import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiSignature, clientCredentials, encodePath, signedHeaders } from './signing.ts';

describe('Kingdee signed headers', () => {
  it('recovers the client secret from a 32-character AppID part by XOR with the fixed key, else ROT13', () => {
    const secret = Buffer.from('0123456789abcdefghijklmn', 'utf8'); // 24 bytes → 32 base64 characters
    const key = '0054f397c6234378b09ca7d3e5debce7';
    const enc = Buffer.from(secret.map((b, i) => b ^ key.charCodeAt(i))).toString('base64');
    expect(enc).toHaveLength(32);
    expect(clientCredentials(`300000_${enc}`)).toEqual({ clientId: '300000', clientSecret: secret.toString('base64') });
    expect(clientCredentials('300000_Uryyb')).toEqual({ clientId: '300000', clientSecret: 'Hello' });
  });

  it('encodes the path with uppercase escapes and / as %2F', () => {
    expect(encodePath('/k3cloud/Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser.common.kdsvc')).toBe('%2Fk3cloud%2FKingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser.common.kdsvc');
    expect(encodePath("/a b/(x)!*'")).toBe('%2Fa%20b%2F%28x%29%21%2A%27');
  });

  it('signs base64 of the lowercase hex HMAC (not of the raw digest), and any change breaks it (property)', () => {
    const sig = apiSignature('k', '/p', 'n', '1');
    expect(Buffer.from(sig, 'base64').toString('utf8')).toMatch(/^[0-9a-f]{64}$/);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 8 }), (nonce, other) => {
        fc.pre(nonce !== other);
        expect(apiSignature('k', '/p', nonce, '1')).not.toBe(apiSignature('k', '/p', other, '1'));
      }),
    );
    const h = signedHeaders({ appId: '300000_Uryyb', appSecret: 's', acctId: 'A', username: '张三', lcid: 2052, orgNumber: '100' }, '/p', 'n', '1');
    expect(Buffer.from(h['x-kd-appdata'] as string, 'base64').toString('utf8')).toBe('A,张三,2052,100');
    expect(h['x-api-signheaders']).toBe('x-api-timestamp,x-api-nonce');
  });
});
