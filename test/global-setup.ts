/** vitest globalSetup: make sure the real kubectl and helm are in `.cache/bin/` before any test runs. */
import { ensureKubeTools } from '../scripts/kube-tools.ts';

export default function setup(): void {
  ensureKubeTools();
}
