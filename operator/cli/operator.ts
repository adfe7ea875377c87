/** `syncspec operator`: runs the operator (see operator/main.ts for flags). */
import type { CliIO } from '../../cli/io.ts';
import { main } from '../main.ts';

export async function run(args: string[], io: CliIO): Promise<number> {
  return main(args, io.env, (s) => io.stderr(s));
}
