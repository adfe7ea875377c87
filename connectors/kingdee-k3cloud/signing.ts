/**
 * Kingdee third-party authorisation: per-request signed headers as the official SDKs build them
 * (vendor-apis.md §2.3). Used by the client to sign and by the emulator to verify.
 */
import { createHmac } from 'node:crypto';

const APPID_XOR_KEY = '0054f397c6234378b09ca7d3e5debce7';

export interface SigningIdentity {
  /** Full AppID, `{clientId}_{enc}`. */
  appId: string;
  appSecret: string;
  acctId: string;
  username: string;
  lcid: number;
  orgNumber: string;
}

const rot13 = (s: string): string => s.replace(/[A-Za-z]/g, (c) => String.fromCharCode(((c.toLowerCase().charCodeAt(0) - 97 + 13) % 26) + (c <= 'Z' ? 65 : 97)));

/** Splits the AppID at the first `_` and recovers the client secret hidden in its second part. */
export function clientCredentials(appId: string): { clientId: string; clientSecret: string } {
  const cut = appId.indexOf('_');
  const clientId = cut === -1 ? appId : appId.slice(0, cut);
  const enc = cut === -1 ? '' : appId.slice(cut + 1);
  if (enc.length !== 32) return { clientId, clientSecret: rot13(enc) };
  const raw = Buffer.from(enc, 'base64');
  const out = Buffer.alloc(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] as number) ^ APPID_XOR_KEY.charCodeAt(i % APPID_XOR_KEY.length);
  return { clientId, clientSecret: out.toString('base64') };
}

/** URL-encoding of the request path the canonical string uses: uppercase escapes, `/` as %2F. */
export function encodePath(path: string): string {
  return encodeURIComponent(path).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hexThenBase64 = (key: string, msg: string): string => Buffer.from(createHmac('sha256', key).update(msg, 'utf8').digest('hex'), 'utf8').toString('base64');

export function apiSignature(clientSecret: string, path: string, nonce: string, timestamp: string): string {
  return hexThenBase64(clientSecret, `POST\n${encodePath(path)}\n\nx-api-nonce:${nonce}\nx-api-timestamp:${timestamp}\n`);
}

export function appDataText(id: Pick<SigningIdentity, 'acctId' | 'username' | 'lcid' | 'orgNumber'>): string {
  return `${id.acctId},${id.username},${id.lcid},${id.orgNumber}`;
}

/** Every header of a signed call to `path` (the part of the URL after the host). */
export function signedHeaders(id: SigningIdentity, path: string, nonce: string, timestamp: string): Record<string, string> {
  const { clientId, clientSecret } = clientCredentials(id.appId);
  const data = appDataText(id);
  return {
    'x-api-clientid': clientId,
    'x-api-auth-version': '2.0',
    'x-api-timestamp': timestamp,
    'x-api-nonce': nonce,
    'x-api-signheaders': 'x-api-timestamp,x-api-nonce',
    'x-api-signature': apiSignature(clientSecret, path, nonce, timestamp),
    'x-kd-appkey': id.appId,
    'x-kd-appdata': Buffer.from(data, 'utf8').toString('base64'),
    'x-kd-signature': hexThenBase64(id.appSecret, id.appId + data),
  };
}
