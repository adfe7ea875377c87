import type { CodeInfo } from './types.ts';

/** SS6xxx — operator diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const operatorCodes = {
  SS6001: {
    title: 'Checked-in CRD is out of date',
    explanation:
      'The CustomResourceDefinitions under charts/syncspec/crds/ are generated from the JSON Schemas in schemas/ by ' +
      '`syncspec crds`. A file that differs from what the schemas produce (or is missing, or is left over from a kind ' +
      'that no longer exists) means the cluster would validate specs against an older contract than the compiler. ' +
      'Run `syncspec crds` and commit the result; never edit the generated YAML by hand.',
  },
  SS6002: {
    title: 'JSON Schema for a CRD kind cannot be read',
    explanation:
      'Each CRD kind (SyncSpec, Connection, LookupTable, SpecSource) is derived from schemas/<Kind>.schema.json. The file ' +
      'is missing, is not valid JSON, has no `spec` property, or holds a `$ref` that points nowhere. Fix the schema file; ' +
      'the CRDs are not written while any kind fails, so the chart never mixes old and new contracts.',
  },
  SS6003: {
    title: 'Schema rule loosened in the CRD',
    explanation:
      'Kubernetes accepts only structural OpenAPI schemas in a CRD: every field has one type, and oneOf/anyOf/allOf may only ' +
      'add value checks. Where the JSON Schema says more than that (alternatives of different types, if/then conditions, ' +
      'recursion), the CRD keeps the value without checking it (x-kubernetes-preserve-unknown-fields) or drops the ' +
      'condition. The API server then accepts some objects the compiler rejects; the operator compiles every spec and ' +
      'reports those on the object\'s Ready condition. This is informational: it lists exactly which fields are affected.',
  },
} satisfies Record<`SS6${string}`, CodeInfo>;
