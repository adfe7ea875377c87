/** Kubeconfigs for the test API server, for kubectl and @kubernetes/client-node. */
import { stringify } from 'yaml';

export function kubeconfigYaml(serverUrl: string, token = 'syncspec-test'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless TLS verification is off; kubectl ignores it for http.
    clusters: [{ name: 'test', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } }],
    'current-context': 'test',
  });
}
