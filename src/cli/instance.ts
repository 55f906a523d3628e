import { readConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import { EmbeddedDatabaseBusy, openInstance } from '../instance.ts';

export const out = (message: string) => process.stdout.write(`${message}\n`);

/** A refusal to report in French with an exit code (2: bad input, 1: failure, 3: partly rejected input). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const fail = (message: string, exitCode = 1): never => {
  throw new CliError(message, exitCode);
};

/** A class of errors whose message is a French refusal the user can act on (bad input, refused by a rule). */
type RefusalClass = abstract new (...args: never[]) => Error;

/**
 * Opens the same database as the server, preparing it the same way when it is new. The work returns an exit code.
 * An error of one of the `refusals` classes ends the command with its message and exit code 2 (invalid input).
 */
export async function withInstance(work: (database: Database) => Promise<number | void>, refusals: readonly RefusalClass[] = []): Promise<void> {
  const config = readConfig();
  let exitCode = 0;
  let message: string | undefined;
  let opened;
  try {
    opened = await openInstance(config, (m) => process.stderr.write(`${m}\n`));
  } catch (error) {
    message = error instanceof EmbeddedDatabaseBusy ? error.message : `Impossible d'ouvrir la base : ${(error as Error).message}`;
    exitCode = 1;
  }
  if (opened) {
    try {
      exitCode = (await work(opened.database)) ?? 0;
    } catch (error) {
      if (error instanceof CliError) {
        message = error.message;
        exitCode = error.exitCode;
      } else if (refusals.some((kind) => error instanceof kind)) {
        message = (error as Error).message;
        exitCode = 2;
      } else throw error;
    } finally {
      await opened.database.close();
    }
  }
  if (message) process.stderr.write(`${message}\n`);
  // set after closing: the embedded engine's runtime resets the exit code when it shuts down
  process.exitCode = exitCode;
}
