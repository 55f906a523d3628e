import { buildProgram } from './program.ts';
import { CliError } from './instance.ts';

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error.exitCode;
}
