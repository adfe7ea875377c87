/** `syncspec operator`: runs the operator (see operator/main.ts for flags). */
import type { CliIO } from '../../cli/io.ts';
import { loadLessOfClientNode } from '../k8s/slim-client.ts';

export async function run(args: string[], io: CliIO): Promise<number> {
  // Before the operator's modules load client-node (slim-client.ts).
  loadLessOfClientNode();
  const { main } = await import('../main.ts');
  return main(args, io.env, (s) => io.stderr(s));
}
