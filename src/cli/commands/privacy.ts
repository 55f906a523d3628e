/** `passerelle privacy destroy`: destroys the imported records past their retention deadline. */
import type { Command } from 'commander';
import { destroyExpiredContacts } from '../../privacy/index.ts';
import { fail, out, withInstance } from '../instance.ts';

export function registerPrivacy(program: Command) {
  program.command('privacy').description('Protection des données')
    .command('destroy')
    .description("Détruit les contacts importés dont l'échéance de conservation est atteinte et écrit la preuve de destruction dans le journal d'audit")
    .option('--simulation', 'montre ce qui serait détruit, sans rien détruire')
    .option('--date <AAAA-MM-JJ>', "date de référence (aujourd'hui par défaut)")
    .action((options: { simulation?: boolean; date?: string }) => withInstance(async (database) => {
      if (options.date && !/^\d{4}-\d{2}-\d{2}$/.test(options.date)) return fail(`Date invalide : « ${options.date} » ; AAAA-MM-JJ attendue.`, 2);
      const r = await destroyExpiredContacts(database.db, { today: options.date, dryRun: options.simulation });
      const verbe = r.dryRun ? 'serai(en)t détruit(s)' : 'détruit(s)';
      for (const g of r.groupes) {
        out(`  ${g.organisation} · ${g.programme} · paquet ${g.paquet} : ${g.nombre} contact(s) ${verbe} (échéance ${g.echeance}, empreinte ${g.empreinte})`);
      }
      out(`${r.total} contact(s) ${verbe} au ${r.date}${r.dryRun ? ' (simulation : rien n’a été détruit)' : ''}.`);
      return 0;
    }));
}
