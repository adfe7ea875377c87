/**
 * Just enough of the Kubernetes protobuf encoding to read the request bodies kubectl's typed commands
 * (`kubectl create namespace|configmap|secret`) and Helm's release storage (Secrets) send: the
 * `k8s\0` + runtime.Unknown envelope and the messages of Namespace, ConfigMap, Secret (with their
 * ObjectMeta) and DeleteOptions. Responses stay JSON (clients decode by the response's Content-Type). Any other kind
 * is a 415 naming it.
 */
import { ApiError } from './types.ts';

type Scalar = 'string' | 'bytes' | 'int' | 'bool';
interface FieldSpec { name: string; type: Scalar | 'message' | 'stringMap' | 'bytesMap'; repeated?: boolean; message?: MessageSpec }
type MessageSpec = Record<number, FieldSpec>;

const ownerReference: MessageSpec = {
  1: { name: 'kind', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' }, 6: { name: 'controller', type: 'bool' }, 7: { name: 'blockOwnerDeletion', type: 'bool' },
};
const objectMeta: MessageSpec = {
  1: { name: 'name', type: 'string' }, 2: { name: 'generateName', type: 'string' }, 3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' }, 6: { name: 'resourceVersion', type: 'string' }, 7: { name: 'generation', type: 'int' },
  11: { name: 'labels', type: 'stringMap' }, 12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: 'message', repeated: true, message: ownerReference },
  14: { name: 'finalizers', type: 'string', repeated: true },
};
const MESSAGES: Record<string, MessageSpec> = {
  'v1/Namespace': { 1: { name: 'metadata', type: 'message', message: objectMeta }, 2: { name: 'spec', type: 'message', message: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
  'v1/ConfigMap': { 1: { name: 'metadata', type: 'message', message: objectMeta }, 2: { name: 'data', type: 'stringMap' }, 3: { name: 'binaryData', type: 'bytesMap' }, 4: { name: 'immutable', type: 'bool' } },
  'v1/DeleteOptions': {
    1: { name: 'gracePeriodSeconds', type: 'int' },
    2: { name: 'preconditions', type: 'message', message: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } },
    3: { name: 'orphanDependents', type: 'bool' }, 4: { name: 'propagationPolicy', type: 'string' }, 5: { name: 'dryRun', type: 'string', repeated: true },
  },
  'meta.k8s.io/v1/DeleteOptions': {
    1: { name: 'gracePeriodSeconds', type: 'int' },
    2: { name: 'preconditions', type: 'message', message: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } },
    3: { name: 'orphanDependents', type: 'bool' }, 4: { name: 'propagationPolicy', type: 'string' }, 5: { name: 'dryRun', type: 'string', repeated: true },
  },
  'v1/Secret': { 1: { name: 'metadata', type: 'message', message: objectMeta }, 2: { name: 'data', type: 'bytesMap' }, 3: { name: 'type', type: 'string' }, 4: { name: 'stringData', type: 'stringMap' }, 5: { name: 'immutable', type: 'bool' } },
};
const TYPE_META: MessageSpec = { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } };
const UNKNOWN: MessageSpec = { 1: { name: 'typeMeta', type: 'message', message: TYPE_META }, 2: { name: 'raw', type: 'bytes' } };

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) { this.buf = buf; }
  get done(): boolean { return this.pos >= this.buf.length; }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw malformed('truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw malformed('varint too long');
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw malformed('length past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw malformed(`wire type ${wire}`);
  }
}

function malformed(why: string): ApiError {
  return new ApiError(400, 'BadRequest', `cannot decode the protobuf body: ${why}`);
}

function decodeMessage(buf: Buffer, spec: MessageSpec): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const key = Number(r.varint());
    const field = spec[key >>> 3];
    const wire = key & 7;
    if (!field) { r.skip(wire); continue; }
    const value = decodeField(r, field, wire);
    if (field.type === 'stringMap' || field.type === 'bytesMap') {
      const [k, v] = value as [string, unknown];
      out[field.name] = { ...(out[field.name] as Record<string, unknown> | undefined), [k]: v };
    } else if (field.repeated) {
      out[field.name] = [...((out[field.name] as unknown[] | undefined) ?? []), value];
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

function decodeField(r: Reader, field: FieldSpec, wire: number): unknown {
  switch (field.type) {
    case 'string': return r.bytes().toString('utf8');
    case 'bytes': return Buffer.from(r.bytes());
    case 'int': return Number(BigInt.asIntN(64, r.varint()));
    case 'bool': return r.varint() !== 0n;
    case 'message': return decodeMessage(r.bytes(), field.message ?? {});
    case 'stringMap':
    case 'bytesMap': {
      if (wire !== 2) throw malformed(`map field ${field.name} is not length-delimited`);
      const entry = decodeMessage(r.bytes(), { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: field.type === 'bytesMap' ? 'bytes' : 'string' } });
      const value = entry.value ?? (field.type === 'bytesMap' ? Buffer.alloc(0) : '');
      return [String(entry.key ?? ''), Buffer.isBuffer(value) ? value.toString('base64') : value];
    }
  }
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a `k8s\0`-enveloped body into the JSON object it stands for. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw malformed('missing the k8s\\0 prefix');
  const unknown = decodeMessage(body.subarray(4), UNKNOWN);
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const key = `${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`;
  const spec = MESSAGES[key];
  if (!spec) throw new ApiError(415, 'UnsupportedMediaType', `the test API server decodes protobuf only for ${Object.keys(MESSAGES).join(', ')}, not ${key}; send JSON`);
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), spec) };
}
