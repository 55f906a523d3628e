import { buildProgram } from './program.ts';
import { withRenamedFlags } from './flags.ts';
import { CliError } from './instance.ts';

const program = buildProgram();

try {
  // Old English flags (--month, --out…) still work, with a warning (src/cli/flags.ts).
  await program.parseAsync(withRenamedFlags(program, process.argv));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error.exitCode;
}
