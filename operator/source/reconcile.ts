/**
 * Reconcile one SpecSource, level-based (style.md §2.18): read it; a new generation is marked
 * Reconciling first; suspended sources are left alone; then fetch the ref from Git, read the spec
 * files under `spec.path` at that commit, compile the whole set with the same pipeline as
 * `syncspec validate`, and only when it compiles server-side apply every document (label
 * `syncspec.dev/source`, annotation `syncspec.dev/revision`, controller owner reference) and prune the
 * objects of this source the commit no longer has. Anything short of that leaves the previously
 * applied revision exactly as it was and says why on the Ready condition. Looks at Git again after
 * `spec.interval`.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { LoadedDocument } from '../../compiler/model.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Clock } from '../controller/clock.ts';
import { done, OperatorError, retry, terminal, type ObjectKey, type Outcome } from '../controller/outcome.ts';
import { describeError, isNotFound, isTerminal } from '../k8s/errors.ts';
import type { KubeObject, Resources } from '../k8s/resources.ts';
import { getCondition, readConditions, removeCondition, setCondition, type Condition, type ConditionInput } from '../status/conditions.ts';
import type { EventRecorder } from '../status/events.ts';
import { summarise } from '../syncspec/context.ts';
import { fetchRevision, GitError, normalisePath, pathExists, readSpecFiles, redactUrl, type GitCredentials, type GitRef } from './git.ts';
import { ownedBy, renderDocuments, SOURCE_LABEL, SOURCED_KINDS, SPEC_SOURCE, type DesiredDocument, type SourceOwner } from './render.ts';

export const DEFAULT_INTERVAL_MS = 60_000;

/**
 * The compiler, loaded on the first SpecSource: the operator's main thread keeps no compiler (tens of
 * megabytes of sources and schemas) unless the cluster has SpecSources.
 */
let compiler: Promise<typeof import('./validate.ts')> | undefined;
const loadCompiler = (): Promise<typeof import('./validate.ts')> => (compiler ??= import('./validate.ts'));

export interface SpecSourceDeps {
  /** Writes with the source's own field manager. */
  resources: Resources;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** The Secret's data decoded to text, or undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Folder holding one bare repository per SpecSource. */
  gitCacheDir: string;
}

export interface SpecSourceStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  revision?: string;
  lastAttemptedRevision?: string;
  artifact?: { revision: string; checksum: string; path: string; files: number; objects: number };
  [k: string]: unknown;
}

interface SourceSpec {
  url?: string;
  sourceRef?: unknown;
  ref?: { branch?: string; tag?: string; commit?: string };
  path?: string;
  interval?: string;
  secretRef?: { name?: string };
  suspend?: boolean;
}

/** The compiled documents of one artifact, kept per source so an unchanged commit is not compiled again. */
interface Compiled {
  checksum: string;
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

export class SpecSourceReconciler {
  readonly #d: SpecSourceDeps;
  readonly #compiled = new Map<string, Compiled>();

  constructor(deps: SpecSourceDeps) {
    this.#d = deps;
  }

  async reconcile(key: ObjectKey): Promise<Outcome> {
    try {
      return await this.#reconcile(key);
    } catch (err) {
      if (isTerminal(err)) return terminal(new OperatorError('SS6033', `${key.namespace}/${key.name}: the API server refused a write: ${describeError(err)}`, { cause: err }));
      return retry(err);
    }
  }

  async #reconcile(key: ObjectKey): Promise<Outcome> {
    const id = `${key.namespace}/${key.name}`;
    const obj = await this.#d.resources.get(SPEC_SOURCE, key.namespace, key.name);
    if (!obj || obj.metadata.deletionTimestamp) {
      // Owner references hand the applied objects to the garbage collector; nothing to undo here.
      this.#compiled.delete(id);
      return done();
    }
    const spec = (obj.spec ?? {}) as SourceSpec;
    let before = structuredClone((obj.status ?? {}) as SpecSourceStatus);
    const status = structuredClone(before);
    const generation = obj.metadata.generation ?? 0;
    let conditions = readConditions(status.conditions);
    const set = (c: ConditionInput): void => { conditions = setCondition(conditions, c, generation, this.#d.clock.now()); };
    const write = async (): Promise<void> => {
      status.conditions = conditions;
      await this.#writeStatus(obj, before, status);
      before = structuredClone(status);
    };

    if (spec.suspend === true) {
      set({ type: 'Ready', status: 'False', reason: 'Suspended', message: `spec.suspend is true: no new revision is fetched or applied; ${status.revision ? `revision ${status.revision} stays applied` : 'nothing was applied yet'}` });
      conditions = removeCondition(removeCondition(conditions, 'Reconciling'), 'Stalled');
      status.observedGeneration = generation;
      await write();
      return done();
    }

    const unusable = (message: string): Promise<Outcome> => this.#stall(obj, status, set, write, generation, message);
    if (spec.sourceRef !== undefined || typeof spec.url !== 'string') return unusable('spec.sourceRef (a Flux GitRepository artifact) is not supported by this operator; give spec.url');
    const path = normalisePath(spec.path);
    if (path === undefined) return unusable(`spec.path "${spec.path ?? ''}" leaves the repository`);
    const { parseDuration, validateArtifact } = await loadCompiler();
    const intervalMs = spec.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(spec.interval);
    if (intervalMs === undefined || intervalMs <= 0) return unusable(`spec.interval "${spec.interval ?? ''}" is not a positive duration such as 1m or 30s`);
    const ref: GitRef = spec.ref?.commit ? { commit: spec.ref.commit } : spec.ref?.tag ? { tag: spec.ref.tag } : { branch: spec.ref?.branch ?? 'main' };
    const refText = 'commit' in ref ? `commit ${ref.commit}` : 'tag' in ref ? `tag ${ref.tag}` : `branch ${ref.branch}`;

    if (status.observedGeneration !== generation) {
      // kstatus InProgress for the new generation; Ready keeps describing what is applied now.
      set({ type: 'Reconciling', status: 'True', reason: 'Progressing', message: `fetching ${refText} of ${redactUrl(spec.url)}` });
      await write();
    }
    const notReady = async (reason: string, message: string): Promise<void> => {
      set({ type: 'Ready', status: 'False', reason, message });
      conditions = removeCondition(removeCondition(conditions, 'Reconciling'), 'Stalled');
      status.observedGeneration = generation;
      await write();
    };

    let credentials: GitCredentials | undefined;
    if (spec.secretRef?.name) {
      const data = await this.#d.readSecret(key.namespace, spec.secretRef.name);
      if (!data || data.username === undefined || data.password === undefined) {
        const why = data ? 'has no username and password keys' : 'does not exist';
        await notReady('SecretNotFound', `Secret ${spec.secretRef.name} ${why}`);
        this.#d.log.warn({ code: 'SS6035', source: id, secret: spec.secretRef.name }, `credentials Secret ${why}`);
        return done(intervalMs);
      }
      credentials = { username: data.username, password: data.password };
    }

    let commit: string;
    try {
      commit = await fetchRevision({ url: spec.url, ref, gitdir: join(this.#d.gitCacheDir, key.namespace, key.name), credentials });
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      await notReady(err.reason, err.message);
      this.#d.log.warn({ code: 'SS6030', source: id, reason: err.reason, err: err.message }, 'git fetch failed');
      // Wrong credentials or a missing ref need a change: look again at the interval. Anything else backs off.
      return err.reason === 'GitOperationFailed' ? retry(err) : done(intervalMs);
    }
    const attempted = status.lastAttemptedRevision;
    status.lastAttemptedRevision = commit;
    if (commit !== attempted && commit !== status.revision) {
      // kstatus InProgress while a commit not tried before is compiled and applied (Flux's NewRevision);
      // a commit already refused stays Stalled instead of flapping back to Reconciling every interval.
      set({ type: 'Reconciling', status: 'True', reason: 'NewRevision', message: `applying revision ${commit}` });
      await write();
    }
    const gitdir = join(this.#d.gitCacheDir, key.namespace, key.name);
    if (!(await pathExists(gitdir, commit, path))) {
      await this.#failed(status, set, write, generation, 'PathNotFound', `spec.path "${path}" does not exist at commit ${commit}`);
      this.#d.log.warn({ code: 'SS6031', source: id, commit, path }, 'path not found in revision');
      return done(intervalMs);
    }
    const artifact = await readSpecFiles(gitdir, commit, path);
    const compiled = this.#compile(id, artifact.checksum, artifact.files, validateArtifact);
    if (compiled.diagnostics.some((d) => d.severity === 'error')) {
      const message = `revision ${commit} does not compile, ${status.revision ? `revision ${status.revision} stays applied` : 'nothing applied'}: ${summarise(compiled.diagnostics)}`;
      await this.#failed(status, set, write, generation, 'CompileFailed', message);
      this.#d.log.warn({ code: 'SS6031', source: id, commit, errors: compiled.diagnostics.filter((d) => d.severity === 'error').length }, 'revision does not compile; previous revision stays applied');
      return done(intervalMs);
    }

    const owner: SourceOwner = { name: key.name, namespace: key.namespace, uid: obj.metadata.uid ?? '' };
    const { desired, problems } = renderDocuments(compiled.documents, owner, commit);
    const existing = new Map<string, KubeObject[]>();
    for (const kind of SOURCED_KINDS) existing.set(kind.kind, (await this.#d.resources.list(kind, key.namespace)).items);
    for (const d of desired) {
      const other = existing.get(d.kind.kind)?.find((o) => o.metadata.name === d.object.metadata.name)?.metadata.labels?.[SOURCE_LABEL];
      if (other !== undefined && other !== key.name) problems.push({ code: 'SS6032', message: `${d.at} ${d.kind.kind} ${d.object.metadata.name} already belongs to SpecSource ${other}` });
    }
    if (problems.length > 0) {
      const message = `revision ${commit} cannot be applied, ${status.revision ? `revision ${status.revision} stays applied` : 'nothing applied'}: ${problems.map((p) => `${p.code} ${p.message}`).join('; ')}`;
      await this.#failed(status, set, write, generation, 'ApplyFailed', message);
      this.#d.log.warn({ code: 'SS6032', source: id, commit, problems: problems.length }, 'revision cannot be applied');
      return done(intervalMs);
    }

    const failures = await this.#apply(desired);
    if (failures.length > 0) {
      const message = `applying revision ${commit} failed for ${failures.length} object(s), nothing pruned: ${failures.map((f) => `${f.what}: ${f.error}`).slice(0, 5).join('; ')}`;
      await notReady('ApplyFailed', message);
      this.#d.log.warn({ code: 'SS6033', source: id, commit, failures: failures.length }, 'apply failed');
      return failures.every((f) => f.terminal) ? done(intervalMs) : retry(new Error(message));
    }
    const keep = new Set(desired.map((d) => `${d.kind.kind}/${d.object.metadata.name}`));
    let pruned = 0;
    for (const kind of SOURCED_KINDS) {
      for (const o of existing.get(kind.kind) ?? []) {
        if (!ownedBy(o, owner) || keep.has(`${kind.kind}/${o.metadata.name}`)) continue;
        await this.#d.resources.delete(kind, key.namespace, o.metadata.name);
        pruned += 1;
      }
    }
    const changed = status.revision !== commit;
    status.revision = commit;
    status.artifact = { revision: commit, checksum: artifact.checksum, path: path === '' ? './' : path, files: artifact.files.length, objects: desired.length };
    status.observedGeneration = generation;
    conditions = removeCondition(removeCondition(conditions, 'Reconciling'), 'Stalled');
    set({ type: 'Ready', status: 'True', reason: 'Succeeded', message: `applied revision ${commit} (${refText}): ${desired.length} object(s) from ${artifact.files.length} file(s)` });
    await write();
    if (changed || pruned > 0) {
      this.#d.log.info({ code: 'SS6034', source: id, commit, checksum: artifact.checksum, applied: desired.length, pruned }, 'revision applied');
    }
    return done(intervalMs);
  }

  /**
   * Compiles the artifact once per checksum: the `syncspec validate` pipeline, then (when that is clean)
   * every SyncSpec's mapping type check as `syncspec generate` runs it, so a commit whose mappings do
   * not type-check is refused here rather than applied and then refused spec by spec.
   */
  #compile(id: string, checksum: string, files: { file: string; content: Uint8Array }[], validate: (typeof import('./validate.ts'))['validateArtifact']): Compiled {
    const cached = this.#compiled.get(id);
    if (cached?.checksum === checksum) return cached;
    const compiled = { checksum, ...validate(files) };
    this.#compiled.set(id, compiled);
    return compiled;
  }

  async #apply(desired: readonly DesiredDocument[]): Promise<{ what: string; error: string; terminal: boolean }[]> {
    const failures: { what: string; error: string; terminal: boolean }[] = [];
    for (const d of desired) {
      try {
        await this.#d.resources.apply(d.kind, d.object);
      } catch (err) {
        failures.push({ what: `${d.kind.kind} ${d.object.metadata.name} (${d.at})`, error: describeError(err), terminal: isTerminal(err) });
      }
    }
    return failures;
  }

  /** The revision is not usable: Ready=False and Stalled (a new commit or spec is needed); the applied revision stays. */
  async #failed(status: SpecSourceStatus, set: (c: ConditionInput) => void, write: () => Promise<void>, generation: number, reason: string, message: string): Promise<void> {
    set({ type: 'Ready', status: 'False', reason, message });
    set({ type: 'Stalled', status: 'True', reason, message });
    status.observedGeneration = generation;
    await write();
  }

  async #stall(obj: KubeObject, status: SpecSourceStatus, set: (c: ConditionInput) => void, write: () => Promise<void>, generation: number, message: string): Promise<Outcome> {
    await this.#failed(status, set, write, generation, 'InvalidSpec', message);
    const id = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    return terminal(new OperatorError('SS6035', `${id}: ${message}`));
  }

  /** Patches /status only when it changed; records an Event when Ready or Stalled changes. */
  async #writeStatus(obj: KubeObject, before: SpecSourceStatus, after: SpecSourceStatus): Promise<void> {
    if (isDeepStrictEqual(before, after)) return;
    const ns = obj.metadata.namespace ?? '';
    try {
      const patch: Record<string, unknown> = { ...after };
      for (const k of Object.keys(before)) if (!(k in after)) patch[k] = null;
      await this.#d.resources.patchStatus(SPEC_SOURCE, ns, obj.metadata.name, patch);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const now = this.#d.clock.now();
    for (const type of ['Ready', 'Stalled'] as const) {
      const was = getCondition(readConditions(before.conditions), type);
      const is = getCondition(after.conditions, type);
      if (!is || (was && was.status === is.status && was.reason === is.reason && (type !== 'Ready' || is.status === 'False' || was.message === is.message))) continue;
      const warning = is.status === (type === 'Ready' ? 'False' : 'True') && is.reason !== 'Suspended';
      await this.#d.events.record({ ...obj, apiVersion: 'syncspec.dev/v1', kind: 'SpecSource' }, { type: warning ? 'Warning' : 'Normal', reason: is.reason, message: is.message }, now);
    }
  }
}
