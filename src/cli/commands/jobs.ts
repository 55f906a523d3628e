/** `passerelle jobs`: the scheduled jobs, their recent runs, and `jobs run NAME` to run one now. */
import type { Command } from 'commander';
import { readConfig } from '../../config.ts';
import { JOBS, WEB_JOBS, findJob, jobsRepository, runJob } from '../../jobs/index.ts';
import { fail, out, withInstance } from '../instance.ts';

const STATUS_LABELS = { en_cours: 'en cours', reussie: 'réussie', echouee: 'échouée', interrompue: 'interrompue' } as const;
const TRIGGER_LABELS = { planifie: 'planifiée', manuel: 'manuelle', commande: 'commande', web: 'web' } as const;
const when = (d: Date) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' }).format(d);

export function registerJobs(program: Command) {
  const jobs = program.command('jobs')
    .description('Tâches planifiées (destruction quotidienne, cycle mensuel) et lancées depuis l’application web (cycle téléversé) : dernières exécutions et leur état')
    .option('--tache <nom>', 'seulement cette tâche')
    .option('--limite <n>', "nombre d'exécutions affichées", '20')
    .action((options: { tache?: string; limite: string }) => withInstance(async (database) => {
      const limit = Number(options.limite);
      if (!Number.isInteger(limit) || limit < 1) return fail(`--limite invalide : « ${options.limite} » ; un entier positif est attendu.`, 2);
      const known = [...JOBS, ...WEB_JOBS].map((j) => j.name);
      if (options.tache && !known.includes(options.tache)) return fail(`Tâche inconnue : « ${options.tache} » ; tâches : ${known.join(', ')}.`, 2);
      out('Tâches planifiées (heure de Paris) :');
      for (const j of JOBS) out(`  ${j.name.padEnd(24)} ${j.when} — ${j.title}`);
      out('Tâches lancées depuis l’application web (file de tâches du serveur) :');
      for (const j of WEB_JOBS) out(`  ${j.name.padEnd(24)} ${j.title}`);
      const runs = await jobsRepository.recentRuns(database.db, { tache: options.tache, limit });
      out(runs.length ? `\nDernières exécutions (${runs.length}) :` : '\nAucune exécution enregistrée.');
      for (const r of runs) {
        const duration = r.fin ? `${((r.fin.getTime() - r.debut.getTime()) / 1000).toFixed(1)} s` : '…';
        const params = Object.entries(r.parametres).map(([k, v]) => `${k}=${String(v)}`).join(' ');
        out(`  ${when(r.debut)}  ${r.tache.padEnd(24)} ${TRIGGER_LABELS[r.declenchement].padEnd(10)} ${STATUS_LABELS[r.statut].padEnd(9)} ${duration.padStart(8)}${params ? `  (${params})` : ''}`);
        if (r.message) out(`      ${r.message}`);
        if (r.statut === 'interrompue') out('      Interrompue avant sa fin (processus arrêté) : relancez la même commande, elle reprend là où elle s\'est arrêtée sans rien refaire deux fois.');
      }
      return 0;
    }));

  jobs.command('run')
    .description('Exécute une tâche maintenant (elle est enregistrée comme exécution manuelle)')
    .argument('<nom>', `tâche : ${JOBS.map((j) => j.name).join(', ')}`)
    .option('--mois <AAAA-MM>', 'cycle mensuel : mois des extraits (par défaut le mois précédent)')
    .option('--date <AAAA-MM-JJ>', "destruction : date de référence (par défaut aujourd'hui)")
    .action((name: string, options: { mois?: string; date?: string }) => withInstance(async (database) => {
      const job = findJob(name);
      if (!job) return fail(`Tâche inconnue : « ${name} » ; tâches : ${JOBS.map((j) => j.name).join(', ')}.`, 2);
      let params: Record<string, unknown>;
      try { params = job.params({ month: options.mois, date: options.date }); } catch (error) { return fail((error as Error).message, 2); }
      const config = readConfig();
      const outcome = await runJob(database.db, config, name, { trigger: 'manuel', params });
      out(outcome.message);
      if (!outcome.ok) return fail(`La tâche ${name} a échoué (exécution ${outcome.runId}) : voir le message ci-dessus.`, 3);
      return 0;
    }));
}
