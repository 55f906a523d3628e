import type { Command } from 'commander';
import {
  computeFunnel, formatCount, formatRate, IndicatorError, type Scope,
} from '../../indicators/index.ts';
import { fail, out, withInstance } from '../instance.ts';

interface FunnelOptions {
  organisation?: string;
  departement?: string;
  region?: string;
  national?: boolean;
  programme: string;
  mois: string;
  fin?: string;
  json?: boolean;
}

/** The operator's view: the command line reads the database directly, so nothing is suppressed. */
export function registerIndicators(program: Command) {
  program.command('funnel')
    .description("Entonnoir d'un programme pour une cohorte (mois d'entrée dans la liste) : personnes par étape et taux")
    .option('--organisation <code>', "organisme (ex. cpam-83)")
    .option('--departement <code>', 'département (ex. 83), tous organismes confondus')
    .option('--region <code>', 'région (code INSEE, ex. 93)')
    .option('--national', 'toute la France')
    .requiredOption('--programme <id>', 'programme (ex. aidants)')
    .requiredOption('--mois <AAAA-MM>', 'mois de la cohorte (ou premier mois avec --fin)')
    .option('--fin <AAAA-MM>', 'dernier mois de la cohorte (plage de mois)')
    .option('--json', 'sortie JSON : {"stages":[{"code","count"}],"rates":[{"numerator","denominator","value"}]}')
    .action((options: FunnelOptions) => withInstance(async (database) => {
      const scopes: Scope[] = [
        ...(options.organisation ? [{ level: 'organisation' as const, code: options.organisation }] : []),
        ...(options.departement ? [{ level: 'departement' as const, code: options.departement }] : []),
        ...(options.region ? [{ level: 'region' as const, code: options.region }] : []),
        ...(options.national ? [{ level: 'national' as const }] : []),
      ];
      if (scopes.length !== 1) return fail('Précisez un et un seul périmètre : --organisation, --departement, --region ou --national.', 2);
      const funnel = await computeFunnel(database.db, { programme: options.programme, from: options.mois, to: options.fin ?? options.mois, scope: scopes[0]! }, { kind: 'operator' });
      if (options.json) {
        out(JSON.stringify({
          stages: funnel.stages.map((s) => ({ code: s.code, count: s.count })),
          rates: funnel.rates.map((r) => ({ numerator: r.numerator, denominator: r.denominator, value: r.value })),
        }));
        return 0;
      }
      const period = funnel.periode.du === funnel.periode.au ? funnel.periode.du : `${funnel.periode.du} à ${funnel.periode.au}`;
      out(`${funnel.programme.titre} — ${funnel.perimetre.nom} — cohorte ${period}`);
      out('');
      const width = Math.max(...funnel.stages.map((s) => s.libelle.length));
      out(`${'Étape'.padEnd(width)}  Personnes`);
      for (const s of funnel.stages) out(`${s.libelle.padEnd(width)}  ${formatCount(s.count).padStart(9)}${s.programme ? '' : '  (hors programme)'}`);
      out('');
      out('Taux (numérateur / dénominateur) :');
      for (const r of funnel.rates) out(`  ${formatRate(r.value).padStart(8)}  ${r.libelle} [${r.numerator} / ${r.denominator}]`);
      return 0;
    }, [IndicatorError]));
}
