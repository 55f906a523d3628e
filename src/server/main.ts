import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../accounts/index.ts';
import { readConfig } from '../config.ts';
import { holdEmbedded } from '../db/lock.ts';
import { EmbeddedDatabaseBusy, openInstance } from '../instance.ts';
import { buildServer } from './app.ts';

const config = readConfig();
const say = (message: string) => process.stdout.write(`${message}\n`);

try {
  say(config.databaseUrl ? 'Passerelle démarre sur PostgreSQL (DATABASE_URL)…' : `Passerelle démarre sur la base embarquée (PGlite) dans ${config.dataDir}…`);
  const { database, report } = await openInstance(config, say);
  const release = database.kind === 'pglite' ? holdEmbedded(config.dataDir, config.port) : () => {};
  const { app } = await buildServer(database, config, { logger: process.env.NODE_ENV !== 'test' });
  const shutdown = async () => {
    await app.close();
    await database.close();
    release();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  say(`\nPasserelle est prête en ${(report.durationMs / 1000).toFixed(1)} s : http://localhost:${port}`);
  say(`Base : ${database.kind}, schéma ${report.schemaVersion}.`);
  if (config.demo) {
    say(`\nComptes de démonstration (mot de passe commun : ${DEMO_PASSWORD}) :`);
    for (const a of DEMO_ACCOUNTS) say(`  ${a.email.padEnd(40)} ${a.roles.join(', ').padEnd(18)} ${a.organisation}`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof EmbeddedDatabaseBusy ? '' : 'Passerelle n’a pas pu démarrer : '}${(error as Error).message}\n`);
  process.exit(1);
}
