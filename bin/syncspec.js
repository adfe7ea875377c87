#!/usr/bin/env node
// Entry point. The sources are TypeScript run directly by Node's type stripping (Node >= 22.18 / 24),
// so there is no build step and no stale dist/ to keep in step with the sources.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `syncspec: Node ${process.versions.node} is too old; run it through npm/npx in the project ` +
      `(the project's node@24 devDependency comes first on PATH) or install Node >= 22.18.\n`,
  );
  process.exit(2);
}
module.enableCompileCache?.();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
