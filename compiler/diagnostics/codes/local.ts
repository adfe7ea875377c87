import type { CodeInfo } from './types.ts';

/**
 * SS5090–SS5099 — local mode: loading a spec repository to run it (`runtime/project.ts`), `syncspec up`
 * (watch, hot swap) and `syncspec demo`.
 */
export const localCodes = {
  SS5090: {
    title: 'Spec repository does not compile',
    explanation:
      'The repository given to `syncspec up`, `demo` or `reconcile` has errors (printed above with file:line:col), so nothing was started. Fix them (`syncspec validate` shows the same list) and run the command again. While `syncspec up` is already running, a change that breaks a spec is reported with SS5093 instead and the last good version keeps running.',
  },
  SS5091: {
    title: 'Secret reference cannot be resolved',
    explanation:
      'A Connection names a secret by reference (`env`, `file` or `secretKeyRef`) and the worker could not read it: the environment variable is unset or empty, the file does not exist or is empty, or the Kubernetes Secret is not mounted under the secrets directory (`$SYNCSPEC_SECRETS_DIR`, default /var/run/secrets/syncspec, as `<secret name>/<key>`). The message names the connection, the field and where it looked — never the value.',
  },
  SS5092: {
    title: 'Spec reloaded',
    explanation:
      'While `syncspec up` was running a spec file changed, compiled cleanly, and the new version replaced the old one: a change of mappings only swaps the transform in place (events in flight finish with whichever version picked them up); a change of connections, triggers or delivery settings restarts the workers, which drain first so nothing is lost.',
  },
  SS5093: {
    title: 'Spec change rejected; the last good version keeps running',
    explanation:
      'A change to the repository does not compile. `syncspec up` prints the diagnostics and keeps running the version that last compiled, so records keep flowing. Save a fixed version and it is picked up at once.',
  },
  SS5094: {
    title: 'Unknown spec selected',
    explanation: 'A spec named on the command line (`--spec`) is not a SyncSpec of the repository. The message lists the specs that exist.',
  },
  SS5095: {
    title: 'Demo outcome differs from the expected one',
    explanation:
      '`syncspec demo` seeds a known set of records and knows which must reach the ERP and which must be dead-lettered. At the end it compares: a good record missing or written more than once in the ERP emulator, or a bad record not in the dead-letter queue, fails the demo (exit 1) and the summary names what differed.',
  },
} satisfies Record<`SS509${string}`, CodeInfo>;
