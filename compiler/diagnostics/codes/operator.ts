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
  SS6010: {
    title: 'Informer stopped; restarting',
    explanation:
      'The operator watches SyncSpecs, their inputs and the objects it owns through informers. A watch that fails with ' +
      'anything other than an expired resourceVersion (which relists by itself) stops the informer: the connection was ' +
      'reset, the API server was unreachable or a list failed. The operator restarts it after an exponential backoff, ' +
      'with at most one restart pending, and /readyz reports the informer until it has heard from the server again. ' +
      'Persisting warnings point at the network path to the API server or at missing RBAC for the listed resource.',
  },
  SS6011: {
    title: 'Reconcile failed; retrying with backoff',
    explanation:
      'A transient failure (API server error, conflict, network) interrupted a reconcile. The key is retried after a ' +
      'per-object exponential backoff (5 ms doubling to 1000 s) under a global limit of 10 per second. Nothing needs to be ' +
      'done unless the same object keeps failing; the log line names the object and the API status.',
  },
  SS6012: {
    title: 'Leader lease acquired',
    explanation:
      'This operator replica now holds the coordination.k8s.io Lease and runs the controllers; the other replicas wait. ' +
      'A takeover happens when the previous holder has not renewed the lease for a whole lease duration.',
  },
  SS6013: {
    title: 'Leader lease lost',
    explanation:
      'The replica could not renew its lease within the renew deadline (API server unreachable, or another replica took ' +
      'the lease). It stops all controllers at once, so two replicas never write at the same time, and exits; its ' +
      'restart campaigns again with empty caches.',
  },
  SS6014: {
    title: 'Leader lease cannot be read or written',
    explanation:
      'Reading, creating or renewing the Lease failed for a reason other than a lost race. Check that the operator\'s ' +
      'service account may get, create and update leases.coordination.k8s.io in the lease namespace.',
  },
  SS6015: {
    title: 'Event cannot be recorded',
    explanation:
      'A core/v1 Event for a condition transition could not be created. The reconcile itself is unaffected (status ' +
      'conditions carry the same information); check RBAC for events in the object\'s namespace.',
  },
  SS6016: {
    title: 'Operator started',
    explanation: 'The operator process is serving /healthz, /readyz and /metrics and is campaigning for (or holding) the leader lease.',
  },
  SS6017: {
    title: 'Operator stopped',
    explanation: 'The operator process stopped: on SIGTERM/SIGINT after releasing its lease (exit 0), or after losing the lease (exit 1).',
  },
  SS6018: {
    title: 'Operator cannot start',
    explanation:
      'The operator could not open its /healthz, /readyz and /metrics listener (the port is taken or not permitted) ' +
      'or could not set up its clients. The message names the cause; change --metrics-port or fix the environment.',
  },
  SS6020: {
    title: 'Spec revision does not compile',
    explanation:
      'The SyncSpec, compiled in the cluster together with the Connections, LookupTables, EntitySchemas and other ' +
      'SyncSpecs of its namespace, has errors (the same diagnostics `syncspec validate` and `syncspec generate` report; ' +
      'line:col refer to the object rendered as YAML, `kubectl get syncspec <name> -o yaml` without status). The ' +
      'operator sets Ready=False and Stalled=True with reason CompileFailed and leaves the last good worker Deployment ' +
      'and bundle ConfigMap untouched, so the previous version keeps running. Fix the spec; the next change reconciles it.',
  },
  SS6021: {
    title: 'API server refused a write',
    explanation:
      'Applying a worker object or patching the SyncSpec was refused as invalid (400/422) or forbidden (401/403). ' +
      'Retrying cannot help: fix the operator configuration (image, resources) or its RBAC; the object is retried on its next change.',
  },
  SS6022: {
    title: 'Owned object pruned',
    explanation:
      'An object labelled syncspec.dev/spec=<name> and owned by the SyncSpec is no longer needed (for example the ' +
      'PrometheusRule after the sla was removed) and was deleted.',
  },
  SS6023: {
    title: 'SyncSpec deleted; cleanup finished',
    explanation:
      'The SyncSpec carried the syncspec.dev/finalizer finalizer; on deletion the operator deleted the worker Deployment, ' +
      'bundle ConfigMap, Service, PodDisruptionBudget and PrometheusRule it owned, then removed the finalizer.',
  },
  SS6024: {
    title: 'Compile thread failed',
    explanation:
      'SyncSpecs are compiled in a worker thread of the operator whose heap is bounded, so a compile\'s garbage does not ' +
      'grow the operator\'s own heap. The thread ran out of that heap (ERR_WORKER_OUT_OF_MEMORY), crashed, or was stopped, ' +
      'or the compiler itself threw. The compiles it had are retried with backoff on a fresh thread; the SyncSpec keeps ' +
      'its last status and its worker keeps running. Repeated failures for one spec point at a compiler defect: report it with the spec.',
  },
  SS6030: {
    title: 'SpecSource: Git fetch failed',
    explanation:
      'The operator could not fetch the SpecSource\'s repository: the host was unreachable, the URL is wrong, the ref ' +
      '(branch, tag or commit) does not exist, or the server refused the credentials from `spec.secretRef`. Nothing ' +
      'already applied changes; the source is retried with backoff and reports Ready=False with reason ' +
      'GitOperationFailed or AuthenticationFailed. Check the URL and ref with `git ls-remote`, and the Secret\'s ' +
      '`username`/`password` keys. Credentials are never written to logs or conditions.',
  },
  SS6031: {
    title: 'SpecSource: revision does not compile',
    explanation:
      'The specs at the fetched commit under `spec.path` do not pass `syncspec validate`: the condition message lists the ' +
      'diagnostics with file:line:col in the repository. The previously applied revision stays applied (its SyncSpecs, ' +
      'Connections, LookupTables and EntitySchemas are left as they were, so the running workers are untouched) and the ' +
      'SpecSource is Ready=False with reason CompileFailed. Fix the specs and push a new commit; run ' +
      '`syncspec validate <path>` locally to see the same diagnostics.',
  },
  SS6032: {
    title: 'SpecSource: object cannot be applied from this source',
    explanation:
      'A document fetched from Git cannot be applied as part of this SpecSource: it names another namespace than the ' +
      'SpecSource\'s own (owner references cannot cross namespaces), or an object of that kind and name already belongs ' +
      'to another SpecSource (label syncspec.dev/source). The document is skipped and the source is Ready=False with ' +
      'reason ApplyFailed; remove `metadata.namespace` from the file or rename the object.',
  },
  SS6033: {
    title: 'SpecSource: the API server refused an object',
    explanation:
      'The revision compiled, but server-side applying one of its objects failed (the CRD\'s structural schema is looser ' +
      'or stricter than the compiler in a corner, RBAC is missing, or the API server is unavailable). Objects that applied ' +
      'stay applied, nothing is pruned, and the source is Ready=False with reason ApplyFailed naming the object and the ' +
      'API status. Transient failures are retried with backoff.',
  },
  SS6034: {
    title: 'SpecSource: revision applied',
    explanation:
      'All documents of the fetched commit were server-side applied with the field manager syncspec-source, labelled ' +
      'syncspec.dev/source=<name>, annotated syncspec.dev/revision=<commit> and owned by the SpecSource; objects the ' +
      'commit no longer contains were pruned. The log line names the commit, the artifact checksum and the counts.',
  },
  SS6035: {
    title: 'SpecSource: spec is not usable',
    explanation:
      'The SpecSource itself cannot be acted on: `spec.sourceRef` (a Flux GitRepository artifact) is not supported by this ' +
      'operator build, `spec.path` leaves the repository (`..`), `spec.interval` is not a duration, or `spec.secretRef` ' +
      'names a Secret that does not exist or lacks `username`/`password`. The source is Stalled until the object or ' +
      'Secret changes; nothing already applied is touched.',
  },
} satisfies Record<`SS6${string}`, CodeInfo>;
