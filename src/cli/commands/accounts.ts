import type { Command } from 'commander';
import { createAccount, newAccountSchema } from '../../accounts/index.ts';
import { fail, out, withInstance } from '../instance.ts';

async function readPassword(): Promise<string> {
  if (process.env.PASSERELLE_MOT_DE_PASSE) return process.env.PASSERELLE_MOT_DE_PASSE;
  if (process.stdin.isTTY) return fail('Donnez le mot de passe par la variable PASSERELLE_MOT_DE_PASSE ou sur l’entrée standard.', 2);
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/)[0] ?? '';
}

export function registerAccounts(program: Command) {
  const c = program.command('comptes').description('Comptes des agents');
  c.command('creer')
    .description('Crée un compte (par exemple le premier administrateur). Mot de passe : PASSERELLE_MOT_DE_PASSE ou entrée standard')
    .requiredOption('--courriel <adresse>').requiredOption('--nom <nom>').requiredOption('--organisation <code>')
    .requiredOption('--roles <roles>', 'rôles séparés par des virgules : agent, charge_echanges, pilote_local, pilote_national, dpo, administrateur')
    .action(async (o: { courriel: string; nom: string; organisation: string; roles: string }) => {
      const parsed = newAccountSchema.safeParse({
        email: o.courriel, nom: o.nom, organisationCode: o.organisation, roles: o.roles.split(',').map((r) => r.trim()), motDePasse: await readPassword(),
      });
      if (!parsed.success) {
        process.stderr.write(`${parsed.error.issues.map((i) => `${i.path.join('.')} : ${i.message}`).join('\n')}\n`);
        process.exitCode = 2;
        return;
      }
      await withInstance(async (database) => {
        const result = await createAccount(database.db, null, parsed.data);
        if (!result.ok) return fail([result.erreur, ...Object.entries(result.champs ?? {}).map(([k, v]) => `  ${k} : ${v}`)].join('\n'), 2);
        out(`Compte créé : ${result.compte.id} (${result.compte.organisation.nom}).`);
      });
    });
}
