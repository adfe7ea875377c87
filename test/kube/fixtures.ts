/** CRDs tests install besides syncspec's own: the prometheus-operator kinds the operator writes. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeServer } from './server.ts';
import type { KubeObject } from './types.ts';

export const MONITORING_CRDS_DIR = join(import.meta.dirname, 'crds');
export const SYNCSPEC_CRDS_DIR = join(import.meta.dirname, '../../charts/syncspec/crds');

export function crdObjects(dir: string): KubeObject[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(join(dir, f), 'utf8')) as KubeObject);
}

/** Registers CRDs directly in an in-process server (no HTTP), as a cluster would have them installed. */
export function installCrds(server: KubeServer, dirs: readonly string[] = [SYNCSPEC_CRDS_DIR, MONITORING_CRDS_DIR]): void {
  const type = server.api.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (!type) throw new Error('the server has no customresourcedefinitions type');
  for (const dir of dirs) for (const crd of crdObjects(dir)) {
    server.api.create(type, 'v1', undefined, crd, { ...server.api.systemWrite('syncspec-tests'), fieldValidation: 'Strict' });
  }
}
