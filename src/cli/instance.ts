import { readConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import { EmbeddedDatabaseBusy, openInstance } from '../instance.ts';

export const out = (message: string) => process.stdout.write(`${message}\n`);
export const fail = (message: string, code = 1): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};

/** Opens the same database as the server, preparing it the same way when it is new. */
export async function withInstance<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const config = readConfig();
  let opened;
  try {
    opened = await openInstance(config, (m) => process.stderr.write(`${m}\n`));
  } catch (error) {
    return fail(error instanceof EmbeddedDatabaseBusy ? error.message : `Impossible d'ouvrir la base : ${(error as Error).message}`);
  }
  try {
    return await work(opened.database);
  } finally {
    await opened.database.close();
  }
}
