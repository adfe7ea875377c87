/**
 * An informer that stays alive. client-node's ListWatch relists on 410 and re-watches after its own
 * timeouts, but any other error (ECONNRESET, a dropped stream, a failed list) stops it for good
 * (k8s-testing.md §1). This wrapper restarts it with exponential backoff, with at most one restart
 * pending (client-node #1933: restart loops became request storms), and records when it last heard
 * from the server, which readiness reports.
 */
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ListWatch, Watch } from '../k8s/client.ts';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { describeError } from '../k8s/errors.ts';
import { apiVersionOf, type KubeObject, type ObjectList, type ResourceKind } from '../k8s/resources.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler = (event: InformerEvent, obj: KubeObject) => void;

export interface InformerOptions {
  kind: ResourceKind;
  /** One namespace, or all when undefined. */
  namespace: string | undefined;
  labelSelector?: string;
  list: () => Promise<ObjectList>;
  clock: Clock;
  log: Logger;
  /** Restart backoff: base doubling to max, jittered by ±25 %. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  random?: () => number;
  /** Called on each restart (the operator counts them in syncspec_operator_informer_restarts_total). */
  onRestart?: (name: string) => void;
  /**
   * Reduces each listed or watched object before it is cached and handed to handlers (e.g. to its
   * metadata, for kinds only pruned by label and owner): the cache holds what the controller reads,
   * not whole ConfigMaps. Must keep `metadata.name`, `namespace` and `resourceVersion`.
   */
  transform?: (obj: KubeObject) => KubeObject;
}

/** Metadata an owner needs of its children (prune by label and owner, requeue on change); the rest is dropped. */
export function metadataOnly(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  const metadata: KubeObject['metadata'] = { name: m.name };
  for (const k of ['namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp'] as const) {
    if (m[k] !== undefined) (metadata as Record<string, unknown>)[k] = m[k];
  }
  return { ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }), ...(obj.kind === undefined ? {} : { kind: obj.kind }), metadata };
}

/** A Watch whose events carry transformed objects, so ListWatch caches only those. */
class TransformingWatch extends Watch {
  readonly #transform: (obj: KubeObject) => KubeObject;
  constructor(kc: KubeConfig, transform: (obj: KubeObject) => KubeObject) {
    super(kc);
    this.#transform = transform;
  }

  override watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    return super.watch(path, queryParams, (phase, apiObj, watchObj) => {
      // ERROR events carry a Status, BOOKMARKs only a resourceVersion: passed on as they are.
      const reduce = (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') && typeof apiObj?.metadata?.name === 'string';
      callback(phase, reduce ? this.#transform(apiObj as KubeObject) : apiObj, watchObj);
    }, done);
  }
}

export function watchPath(k: ResourceKind, namespace: string | undefined): string {
  const base = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  return namespace === undefined ? `${base}/${k.plural}` : `${base}/namespaces/${namespace}/${k.plural}`;
}

export class Informer {
  readonly name: string;
  readonly #o: InformerOptions;
  readonly #lw: ListWatch<KubernetesObject>;
  readonly #handlers: InformerHandler[] = [];
  #attempt = 0;
  #restartPending = false;
  #cancelRestart: (() => void) | undefined;
  #stopped = true;
  #synced = false;
  #lastEventAt: number | undefined;
  #restarts = 0;
  #markSynced: () => void = () => {};
  /** Resolves once the first list has completed (controller-runtime's WaitForCacheSync). */
  readonly synced: Promise<void>;

  constructor(kc: KubeConfig, options: InformerOptions) {
    this.#o = options;
    const k = options.kind;
    this.synced = new Promise((resolve) => { this.#markSynced = resolve; });
    this.name = `${k.plural}${options.namespace ? `@${options.namespace}` : ''}${options.labelSelector ? `[${options.labelSelector}]` : ''}`;
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const l = await options.list();
      // A completed list is contact with the server: the cache is current as of now.
      this.#synced = true;
      // ListWatch fills its cache in the microtasks after this list resolves; announce after that.
      setImmediate(() => this.#markSynced());
      this.#heard();
      const items = options.transform ? l.items.map(options.transform) : l.items;
      return { apiVersion: apiVersionOf(k), kind: `${k.kind}List`, metadata: { resourceVersion: l.resourceVersion }, items: items as unknown as KubernetesObject[] };
    };
    const watch = options.transform ? new TransformingWatch(kc, options.transform) : new Watch(kc);
    this.#lw = new ListWatch(watchPath(k, options.namespace), watch, list, false, options.labelSelector);
    for (const event of ['add', 'update', 'delete'] as const) {
      this.#lw.on(event, (obj) => {
        this.#heard();
        for (const h of this.#handlers) {
          // A failing handler must not throw into ListWatch, which would stop the informer.
          try {
            h(event, obj as unknown as KubeObject);
          } catch (err) {
            options.log.error({ code: 'SS6010', informer: this.name, err: describeError(err) }, 'informer event handler failed');
          }
        }
      });
    }
    this.#lw.on('error', (err) => this.#failed(err));
  }

  on(handler: InformerHandler): void {
    this.#handlers.push(handler);
  }

  start(): void {
    this.#stopped = false;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelRestart?.();
    this.#cancelRestart = undefined;
    this.#restartPending = false;
    await this.#lw.stop();
  }

  /** Objects in the cache (of one namespace, or all). */
  list(namespace?: string): KubeObject[] {
    return [...this.#lw.list(namespace)] as unknown as KubeObject[];
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.#lw.get(name, namespace) as KubeObject | undefined;
  }

  /** For readiness: has listed at least once, is not waiting to restart, and when it last heard from the server. */
  health(): { name: string; synced: boolean; restarting: boolean; lastEventAt: number | undefined; restarts: number } {
    return { name: this.name, synced: this.#synced, restarting: this.#restartPending, lastEventAt: this.#lastEventAt, restarts: this.#restarts };
  }

  #heard(): void {
    this.#attempt = 0;
    this.#lastEventAt = this.#o.clock.now();
  }

  #run(): void {
    this.#lw.start().catch((err: unknown) => this.#failed(err));
  }

  #failed(err: unknown): void {
    if (this.#stopped || this.#restartPending) return;
    this.#restartPending = true;
    const base = this.#o.restartBaseMs ?? 500;
    const max = this.#o.restartMaxMs ?? 30_000;
    const raw = Math.min(max, base * 2 ** Math.min(this.#attempt, 30));
    const delay = Math.round(raw * (0.75 + (this.#o.random ?? Math.random)() / 2));
    this.#attempt += 1;
    this.#o.log.warn({ code: 'SS6010', informer: this.name, err: describeError(err), delayMs: delay, attempt: this.#attempt }, 'informer stopped; restarting');
    this.#cancelRestart = this.#o.clock.after(delay, () => {
      this.#cancelRestart = undefined;
      this.#restartPending = false;
      if (this.#stopped) return;
      this.#restarts += 1;
      this.#o.onRestart?.(this.name);
      this.#run();
    });
  }
}
