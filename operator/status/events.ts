/** core/v1 Events for condition transitions (never for a reconcile that changed nothing). */
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from '../k8s/errors.ts';
import type { KubeObject } from '../k8s/resources.ts';

export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class EventRecorder {
  readonly #api: CoreV1Api;
  readonly #component: string;
  readonly #log: Logger;
  readonly #observe: () => void;

  constructor(kc: KubeConfig, component: string, log: Logger, observe: () => void = () => {}) {
    this.#api = kc.makeApiClient(CoreV1Api);
    this.#component = component;
    this.#log = log;
    this.#observe = observe;
  }

  /** Records an Event on `obj`; failing to record one is logged, never fails the reconcile. */
  async record(obj: KubeObject, e: EventInput, nowMs: number): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const at = new Date(nowMs);
    const body: CoreV1Event = {
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
      await this.#api.createNamespacedEvent({ namespace, body });
    } catch (err) {
      this.#log.warn({ code: 'SS6015', object: `${namespace}/${obj.metadata.name}`, reason: e.reason, err: describeError(err) }, 'cannot record event');
    }
  }
}
