/**
 * Wires the SpecSource controller into W2's framework: an informer on SpecSources (the root type) and,
 * for drift, informers on the objects sources apply (label `syncspec.dev/source`): deleting one wakes
 * its SpecSource, which applies it again at once. Edits by others are corrected at the next interval
 * (waking the source on every update would refetch Git each time the SyncSpec controller writes status).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Clock } from '../controller/clock.ts';
import { Controller, ownerKey, ownKey } from '../controller/controller.ts';
import { Informer } from '../controller/informer.ts';
import type { OperatorMetrics } from '../controller/metrics.ts';
import { isNotFound } from '../k8s/errors.ts';
import { kubeHttp } from '../k8s/http.ts';
import { objectPath, Resources, type ResourceKind } from '../k8s/resources.ts';

const SECRET: ResourceKind = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets' };
import type { EventRecorder } from '../status/events.ts';
import { SpecSourceReconciler } from './reconcile.ts';
import { SOURCE_LABEL, SOURCED_KINDS, SPEC_SOURCE } from './render.ts';

export const SOURCE_FIELD_MANAGER = 'syncspec-source';
export const SOURCE_STATUS_MANAGER = 'syncspec-source-status';

export interface SpecSourceControllerDeps {
  kc: KubeConfig;
  config: Pick<OperatorConfig, 'namespaces'>;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  /** Bare repositories live here (default $SYNCSPEC_GIT_CACHE_DIR, else <tmpdir>/syncspec-sources). */
  gitCacheDir?: string;
  /** SpecSources reconciled at once. */
  workers?: number;
}

/** Reads a Secret's data as text; undefined when it does not exist. The values never leave this function except to onAuth. */
export function secretReader(kc: KubeConfig): (namespace: string, name: string) => Promise<Record<string, string> | undefined> {
  const http = kubeHttp(kc);
  return async (namespace, name) => {
    try {
      const secret = (await http.call('GET', objectPath(SECRET, namespace, name))) as { data?: Record<string, string> };
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
      return out;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

export function specSourceController(deps: SpecSourceControllerDeps): Controller {
  const { kc, config, clock, log, metrics } = deps;
  const resources = new Resources(kc, {
    fieldManager: SOURCE_FIELD_MANAGER, statusManager: SOURCE_STATUS_MANAGER,
    observe: (verb, kind) => metrics.writes.inc({ verb, kind }),
  });
  const reconciler = new SpecSourceReconciler({
    resources, events: deps.events, clock, log,
    readSecret: secretReader(kc),
    gitCacheDir: deps.gitCacheDir ?? process.env.SYNCSPEC_GIT_CACHE_DIR ?? join(tmpdir(), 'syncspec-sources'),
  });
  const controller = new Controller({ name: 'specsource', reconciler, clock, log, metrics, workers: deps.workers ?? 2 });
  const namespaces: (string | undefined)[] = config.namespaces.length > 0 ? config.namespaces : [undefined];
  for (const ns of namespaces) {
    const sources = new Informer(kc, { kind: SPEC_SOURCE, namespace: ns, clock, log, list: () => resources.list(SPEC_SOURCE, ns) });
    controller.watch(sources, ownKey);
    for (const kind of SOURCED_KINDS) {
      const owned = new Informer(kc, { kind, namespace: ns, clock, log, labelSelector: SOURCE_LABEL, list: () => resources.list(kind, ns, SOURCE_LABEL) });
      const toOwner = ownerKey('SpecSource', 'syncspec.dev');
      controller.watch(owned, (event, obj) => (event === 'delete' ? toOwner(event, obj) : []));
    }
  }
  return controller;
}
