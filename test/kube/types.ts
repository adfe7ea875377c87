/** Shapes shared by the test API server's modules: objects, Status errors, resource types. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface StatusCause {
  type: string;
  message: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/** An error answered as a Kubernetes `Status` object; thrown anywhere inside a request handler. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: NonNullable<Status['details']> | undefined;
  constructor(code: number, reason: string, message: string, details?: Status['details']) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

export interface Target {
  group: string;
  kind: string;
  name: string;
}

export const errors = {
  notFound: (plural: string, group: string, name: string, kind: string): ApiError =>
    new ApiError(404, 'NotFound', `${group ? `${plural}.${group}` : plural} "${name}" not found`, { name, group, kind: plural }),
  alreadyExists: (plural: string, group: string, name: string): ApiError =>
    new ApiError(409, 'AlreadyExists', `${group ? `${plural}.${group}` : plural} "${name}" already exists`, { name, group, kind: plural }),
  conflict: (plural: string, group: string, name: string, why: string, causes?: StatusCause[]): ApiError =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${group ? `${plural}.${group}` : plural} "${name}": ${why}`,
      causes ? { name, group, kind: plural, causes } : { name, group, kind: plural }),
  invalid: (t: Target, causes: StatusCause[]): ApiError =>
    new ApiError(422, 'Invalid', `${t.kind}.${t.group || 'core'} "${t.name}" is invalid: ${causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', ')}`,
      { name: t.name, group: t.group, kind: t.kind, causes }),
  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),
  forbidden: (message: string): ApiError => new ApiError(403, 'Forbidden', message),
  methodNotAllowed: (message: string): ApiError => new ApiError(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (contentType: string): ApiError =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType || 'none'})`),
  expired: (message: string): ApiError => new ApiError(410, 'Expired', message),
};

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
