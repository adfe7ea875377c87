/** Kubeconfigs for the test API server, for kubectl and @kubernetes/client-node. */
import { stringify } from 'yaml';

export function kubeconfigYaml(serverUrl: string, token = 'syncspec-test'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: serverUrl } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } }],
    'current-context': 'test',
  });
}
