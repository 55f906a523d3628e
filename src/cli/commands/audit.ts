import type { Command } from 'commander';
import { readConfig } from '../../config.ts';
import { verifyAuditChain } from '../../privacy/index.ts';
import { fail, out, withInstance } from '../instance.ts';

export function registerAudit(program: Command) {
  const audit = program.command('audit').description("Journal d'audit");
  audit.command('verify')
    .description("Vérifie le chaînage du journal d'audit et signale le premier maillon rompu")
    .action(() => withInstance(async (database) => {
      const check = await verifyAuditChain(database.db, { dataDir: readConfig().dataDir });
      if (check.ok) {
        out(`Journal d'audit intègre : ${check.entries} entrée(s) vérifiée(s), ${check.ancres ?? 0} tête(s) signée(s) concordante(s).`);
        return 0;
      }
      return fail(`Journal d'audit ROMPU à l'entrée ${check.brokenAt} : ${check.reason}.`, 1);
    }));
}
