/** core/v1 Events for condition transitions (never for a reconcile that changed nothing). */
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from '../k8s/errors.ts';
import { kubeHttp, type KubeHttp } from '../k8s/http.ts';
import { collectionPath, KINDS, type KubeObject } from '../k8s/resources.ts';

export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class EventRecorder {
  readonly #http: KubeHttp;
  readonly #component: string;
  readonly #log: Logger;
  readonly #observe: () => void;

  constructor(kc: KubeConfig, component: string, log: Logger, observe: () => void = () => {}) {
    this.#http = kubeHttp(kc);
    this.#component = component;
    this.#log = log;
    this.#observe = observe;
  }

  /** Records an Event on `obj`; failing to record one is logged, never fails the reconcile. */
  async record(obj: KubeObject, e: EventInput, nowMs: number): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    // metav1.Time: RFC 3339 in whole seconds, as client-go writes it.
    const at = new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const body: Omit<CoreV1Event, 'firstTimestamp' | 'lastTimestamp'> & { firstTimestamp: string; lastTimestamp: string } = {
      metadata: { generateName: `${obj.metadata.name}.`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata.name, namespace,
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
        ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
      type: e.type, reason: e.reason, message: e.message.slice(0, 1024),
      source: { component: this.#component },
      firstTimestamp: at, lastTimestamp: at, count: 1,
      reportingComponent: this.#component, reportingInstance: this.#component,
    };
    try {
      this.#observe();
      await this.#http.call('POST', collectionPath(KINDS.Event, namespace), { body });
    } catch (err) {
      this.#log.warn({ code: 'SS6015', object: `${namespace}/${obj.metadata.name}`, reason: e.reason, err: describeError(err) }, 'cannot record event');
    }
  }
}
