import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeKubeProtobuf } from './protobuf.ts';
import { ApiError } from './types.ts';

/** A tiny protobuf writer for the test: fields as [number, value] with strings, bytes, ints and nested messages. */
type Field = [number, string | Buffer | number | boolean | Field[]];
function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
function encode(fields: Field[]): Buffer {
  return Buffer.concat(fields.map(([n, v]) => {
    if (typeof v === 'number' || typeof v === 'boolean') return Buffer.concat([varint(BigInt(n << 3)), varint(BigInt(Number(v)))]);
    const body = Array.isArray(v) ? encode(v) : Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
    return Buffer.concat([varint(BigInt((n << 3) | 2)), varint(BigInt(body.length)), body]);
  }));
}
const envelope = (apiVersion: string, kind: string, raw: Field[]): Buffer =>
  Buffer.concat([Buffer.from('k8s\u0000', 'binary'), encode([[1, [[1, apiVersion], [2, kind]]], [2, encode(raw)]])]);

describe('protobuf request bodies', () => {
  test('any ConfigMap (names, labels, data, binary data) decodes to its JSON form', () => {
    const text = fc.string({ maxLength: 12 });
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.dictionary(text, text, { maxKeys: 3 }), fc.dictionary(text, text, { maxKeys: 3 }), fc.dictionary(text, fc.uint8Array({ maxLength: 8 }), { maxKeys: 2 }), (name, labels, data, binary) => {
      const meta: Field[] = [[1, name], ...Object.entries(labels).map(([k, v]): Field => [11, [[1, k], [2, v]]])];
      const raw: Field[] = [[1, meta], ...Object.entries(data).map(([k, v]): Field => [2, [[1, k], [2, v]]]), ...Object.entries(binary).map(([k, v]): Field => [3, [[1, k], [2, Buffer.from(v)]]])];
      const decoded = decodeKubeProtobuf(envelope('v1', 'ConfigMap', raw));
      expect(decoded).toEqual({
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) },
        ...(Object.keys(data).length ? { data } : {}),
        ...(Object.keys(binary).length ? { binaryData: Object.fromEntries(Object.entries(binary).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } : {}),
      });
    }));
  });

  test('Secret data is base64 in JSON; unknown fields are skipped', () => {
    const decoded = decodeKubeProtobuf(envelope('v1', 'Secret', [[1, [[1, 's'], [3, 'ns'], [99, 'ignored'], [14, 'f1'], [14, 'f2']]], [2, [[1, 'token'], [2, Buffer.from('abc')]]], [3, 'Opaque'], [42, 7]]));
    expect(decoded).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns', finalizers: ['f1', 'f2'] }, data: { token: 'YWJj' }, type: 'Opaque' });
  });

  test.each([
    ['no prefix', Buffer.from('{}'), 400],
    ['a kind it does not know', envelope('apps/v1', 'Deployment', []), 415],
    ['a truncated body', envelope('v1', 'ConfigMap', [[1, [[1, 'x']]]]).subarray(0, -2), 400],
  ])('%s is refused', (_what, body, code) => {
    try { decodeKubeProtobuf(body); expect.unreachable(); } catch (err) { expect((err as ApiError).code).toBe(code); }
  });

  test('arbitrary bytes after the prefix never escape as anything but an ApiError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try { decodeKubeProtobuf(Buffer.concat([Buffer.from('k8s\u0000', 'binary'), Buffer.from(bytes)])); } catch (err) { expect(err).toBeInstanceOf(ApiError); }
    }));
  });
});
