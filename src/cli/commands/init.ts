import type { Command } from 'commander';
import { schemaVersion } from '../../db/index.ts';
import { referenceCounts } from '../../territories/index.ts';
import { out, withInstance } from '../instance.ts';

export function registerInit(program: Command) {
  program.command('init')
    .description('Prépare la base (migrations, référentiel des territoires, comptes de démonstration) et affiche son état')
    .action(() => withInstance(async (database) => {
      const counts = await referenceCounts(database.db);
      out(`Base ${database.kind}, schéma ${await schemaVersion(database.db)}.`);
      out(`Référentiel : ${counts.regions} régions, ${counts.departements} départements, ${counts.communes} communes, ` +
        `${counts.codesPostaux} couples code postal–commune, ${counts.organisations} organismes, ${counts.competences} compétences.`);
    }));
}
