import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordAudit } from '../../privacy/index.ts';
import { importCompetenceCorrections, lookupPostalCode } from '../../territories/index.ts';
import { fail, out, withInstance } from '../instance.ts';

export function registerTerritories(program: Command) {
  const t = program.command('territoires').description('Communes, codes postaux et organismes compétents');
  t.command('code-postal <cp>')
    .description('Affiche les communes du code postal et leurs Caf, CPAM et Carsat compétentes')
    .option('--json', 'sortie JSON')
    .action((cp: string, options: { json?: boolean }) => withInstance(async (database) => {
      const result = await lookupPostalCode(database.db, cp);
      if (!result.ok) return fail(result.erreur, 2);
      if (options.json) {
        out(JSON.stringify(result.communes, null, 2));
        return 0;
      }
      for (const c of result.communes) {
        out(`${c.code} ${c.nom} (${c.departement.nom}) — Caf : ${c.caf?.nom ?? '?'} [${c.caf?.code ?? '-'}] · ` +
          `CPAM : ${c.cpam?.nom ?? '?'} [${c.cpam?.code ?? '-'}] · Carsat : ${c.carsat?.nom ?? '?'} [${c.carsat?.code ?? '-'}]`);
      }
    }));
  t.command('import-competences <fichier>')
    .description('Corrige la compétence commune par commune depuis un CSV « commune;branche;organisation »')
    .action((file: string) => withInstance(async (database) => {
      let content: Uint8Array;
      try {
        content = readFileSync(file);
      } catch {
        return fail(`Fichier illisible : ${file}`, 2);
      }
      const report = await importCompetenceCorrections(database.db, content);
      // A file refused whole (not text, bad header): nothing applied, exit 2.
      if (report.appliquees === 0 && report.refusee) {
        await recordAudit(database.db, { action: 'competences_importees', details: { appliquees: 0, rejetees: report.rejetees.length, origine: 'cli' } });
        return fail(report.rejetees[0]!.raison, 2);
      }
      await recordAudit(database.db, { action: 'competences_importees', details: { appliquees: report.appliquees, rejetees: report.rejetees.length, origine: 'cli' } });
      out(`${report.appliquees} correction(s) appliquée(s), ${report.rejetees.length} ligne(s) rejetée(s)${report.doublons.length ? `, ${report.doublons.length} ligne(s) en double appliquée(s) une seule fois` : ''}.`);
      for (const r of [...report.rejetees, ...report.doublons].sort((a, b) => a.ligne - b.ligne)) out(`  ligne ${r.ligne} : ${r.raison}`);
      return report.rejetees.length ? 3 : 0;
    }));
}
