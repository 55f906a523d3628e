import { Command } from 'commander';
import { registerAccounts } from './commands/accounts.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCampaign } from './commands/campaign.ts';
import { registerCycle } from './commands/cycle.ts';
import { registerExchange } from './commands/exchange.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerIndicators } from './commands/indicators.ts';
import { registerInit } from './commands/init.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerTerritories } from './commands/territories.ts';
import { registerOutreach } from './commands/outreach.ts';
import { registerSignalements } from './commands/signalements.ts';
import { registerConventions } from './commands/conventions.ts';
import { withRenamedFlags } from './flags.ts';
import { CliError } from './instance.ts';

const program = new Command('passerelle')
  .description('Passerelle : offres coordonnées et aller-vers entre la Caf, la CPAM et la Carsat.\n' +
    'Les commandes travaillent sur la base embarquée de PASSERELLE_DOSSIER_DONNEES (./var par défaut) ou sur DATABASE_URL.')
  .showHelpAfterError();

registerInit(program);
registerAudit(program);
registerTerritories(program);
registerAccounts(program);
registerGenerate(program);
registerCycle(program);
registerExchange(program);
registerPrivacy(program);
registerJobs(program);
registerIndicators(program);
registerOutreach(program);
registerCampaign(program);
registerSignalements(program);
registerConventions(program);

try {
  // Old English flags (--month, --out…) still work, with a warning (src/cli/flags.ts).
  await program.parseAsync(withRenamedFlags(program, process.argv));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error.exitCode;
}
