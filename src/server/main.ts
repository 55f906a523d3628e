import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../accounts/index.ts';
import { readConfig } from '../config.ts';
import { anchorAuditHead } from '../privacy/index.ts';
import { EmbeddedDatabaseBusy, openInstance } from '../instance.ts';
import { mailSettings, seedDemoMail, startDemoCatcher, startMailWorker } from '../channels/index.ts';
import { catchUpDestruction, startScheduledJobs } from '../jobs/index.ts';
import { buildServer } from './app.ts';
import { startWebCampaignWorker } from './web-campaigns.ts';
import { startWebCycleWorker } from './web-cycles.ts';

const config = readConfig();
const say = (message: string) => process.stdout.write(`${message}\n`);

try {
  say(config.databaseUrl ? 'Passerelle démarre sur PostgreSQL (DATABASE_URL)…' : `Passerelle démarre sur la base embarquée (PGlite) dans ${config.dataDir}…`);
  // the embedded database's lock names the server and its port (src/db/lock.ts); it goes with database.close()
  const { database, report } = await openInstance(config, say, { port: config.port });
  // the audit trail's signed head, anchored at every start (docs/adr/0002-keyed-audit-chain.md)
  await anchorAuditHead(database.db, { source: 'demarrage', dataDir: config.dataDir });
  // Demo without PASSERELLE_SMTP_URL: an in-process SMTP server on 127.0.0.1 catches the offer e-mails (src/channels/catcher.ts).
  const catcher = config.demo && !config.mail.smtpUrl ? await startDemoCatcher(database.db, { log: say }) : null;
  if (catcher) config.mail.smtpUrl = catcher.url;
  // Job queue (pg-boss) with the scheduled jobs: daily destruction, monthly cycle (src/jobs; PASSERELLE_TACHES=0 to disable).
  const jobs = config.jobs ? await startScheduledJobs(database, config, { log: say }) : null;
  if (jobs) say('Tâches planifiées : destruction des données échues (au démarrage puis toutes les heures) et cycle mensuel (le 5 à 06:00), heure de Paris.');
  if (jobs) await catchUpDestruction(jobs);
  // Offer e-mails: the worker of `courriel.envoi` (retries with back-off); messages left waiting are queued again.
  if (jobs) await startMailWorker(database, jobs.queue, mailSettings(config));
  // Cycles started from the exchange page: the worker of `cycle-televerse`; unfinished ones are queued again (src/server/web-cycles.ts).
  if (jobs) {
    const { resumed } = await startWebCycleWorker(database, jobs.queue, config, { log: say });
    if (resumed) say(`${resumed} cycle(s) lancé(s) depuis l’application web repris après le redémarrage.`);
    const campaigns = await startWebCampaignWorker(database, jobs.queue, config.dataDir, mailSettings(config), { log: say });
    if (campaigns.resumed) say(`${campaigns.resumed} campagne(s) lancée(s) depuis l’application web reprise(s) après le redémarrage.`);
  }
  if (jobs && catcher) {
    const demoMail = await seedDemoMail(database.db, mailSettings(config));
    if (demoMail) say(`Démonstration : ${demoMail} offre(s) envoyée(s) par courriel au serveur de messagerie interne (page « Courriels envoyés »).`);
  }
  const { app } = await buildServer(database, config, { logger: process.env.NODE_ENV !== 'test' });
  const shutdown = async () => {
    await app.close();
    await catcher?.close();
    await jobs?.stop();
    await database.close();
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
