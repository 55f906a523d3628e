import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { hashPassword } from './passwords.ts';
import { accountsRepository } from './repository.ts';
import type { Role } from './roles.ts';
import { recordAudit } from '../privacy/index.ts';

/** Demo accounts created on first start of an embedded demo instance (never with DATABASE_URL unless asked). */
export const DEMO_PASSWORD = 'Passerelle-demo-2026';

export const DEMO_ACCOUNTS: { email: string; nom: string; organisation: string; roles: Role[] }[] = [
  { email: 'admin.caf83@passerelle.test', nom: 'Aline Administratrice (Caf du Var)', organisation: 'caf-83', roles: ['administrateur'] },
  { email: 'echanges.caf83@passerelle.test', nom: 'Étienne Échanges (Caf du Var)', organisation: 'caf-83', roles: ['charge_echanges'] },
  { email: 'pilote.caf83@passerelle.test', nom: 'Paule Pilote (Caf du Var)', organisation: 'caf-83', roles: ['pilote_local'] },
  { email: 'agent.caf83@passerelle.test', nom: 'Samia Travailleuse sociale (Caf du Var)', organisation: 'caf-83', roles: ['agent'] },
  { email: 'echanges.cpam83@passerelle.test', nom: 'Éric Échanges (CPAM du Var)', organisation: 'cpam-83', roles: ['charge_echanges'] },
  { email: 'pilote.cpam83@passerelle.test', nom: 'Pierre Pilote (CPAM du Var)', organisation: 'cpam-83', roles: ['pilote_local'] },
  { email: 'dpo.cpam83@passerelle.test', nom: 'Diane Déléguée (CPAM du Var)', organisation: 'cpam-83', roles: ['dpo'] },
  { email: 'admin.cpam83@passerelle.test', nom: 'Alain Administrateur (CPAM du Var)', organisation: 'cpam-83', roles: ['administrateur'] },
  { email: 'agent.ces83@passerelle.test', nom: 'Claire Conseillère (CES du Var)', organisation: 'ces-83', roles: ['agent'] },
  { email: 'echanges.caf59@passerelle.test', nom: 'Nadia Échanges (Caf du Nord)', organisation: 'caf-59', roles: ['charge_echanges'] },
  { email: 'agent.caf59@passerelle.test', nom: 'Noël Travailleur social (Caf du Nord)', organisation: 'caf-59', roles: ['agent'] },
  { email: 'agent.cpamflandres@passerelle.test', nom: 'Fanny Conseillère (CPAM des Flandres)', organisation: 'cpam-59-flandres', roles: ['agent'] },
  { email: 'echanges.cpamflandres@passerelle.test', nom: 'Florent Échanges (CPAM des Flandres)', organisation: 'cpam-59-flandres', roles: ['charge_echanges'] },
  { email: 'pilote.cpamflandres@passerelle.test', nom: 'Flore Pilote (CPAM des Flandres)', organisation: 'cpam-59-flandres', roles: ['pilote_local'] },
  { email: 'agent.carsatsudest@passerelle.test', nom: 'Sophie Assistante sociale (Carsat Sud-Est)', organisation: 'carsat-sud-est', roles: ['agent'] },
  { email: 'cam.cpam83@passerelle.test', nom: 'Camille Conseillère maternité (CPAM du Var)', organisation: 'cpam-83', roles: ['agent'] },
  { email: 'agent.carsathdf@passerelle.test', nom: 'Hugo Assistant social (Carsat Hauts-de-France)', organisation: 'carsat-hauts-de-france', roles: ['agent'] },
  { email: 'admin.carsatsudest@passerelle.test', nom: 'Serge Administrateur (Carsat Sud-Est)', organisation: 'carsat-sud-est', roles: ['administrateur'] },
  { email: 'admin.carsathdf@passerelle.test', nom: 'Hélène Administratrice (Carsat Hauts-de-France)', organisation: 'carsat-hauts-de-france', roles: ['administrateur'] },
  { email: 'pilote.cnam@passerelle.test', nom: 'Nathan Pilote national (Cnam)', organisation: 'cnam', roles: ['pilote_national'] },
  { email: 'admin.national@passerelle.test', nom: 'Agnès Administratrice nationale (Cnam)', organisation: 'cnam', roles: ['administrateur'] },
  { email: 'signalant.chtoulon@passerelle.test', nom: 'Inès Assistante sociale (CHI Toulon – La Seyne)', organisation: 'ch-toulon', roles: ['signalant'] },
  { email: 'signalant.chhyeres@passerelle.test', nom: 'Hugo Cadre de santé (CH de Hyères)', organisation: 'ch-hyeres', roles: ['signalant'] },
];

/** Creates the missing demo accounts. All share one hash (computed once) to keep the first start fast. */
export async function ensureDemoAccounts(db: Kysely<DB>): Promise<number> {
  let created = 0;
  let hash: string | undefined;
  for (const account of DEMO_ACCOUNTS) {
    if (await accountsRepository.emailTaken(db, account.email)) continue;
    hash ??= await hashPassword(DEMO_PASSWORD);
    const id = await accountsRepository.insert(db, { email: account.email, nom: account.nom, organisationCode: account.organisation, roles: account.roles, hash });
    await recordAudit(db, { action: 'compte_cree', cible: { type: 'compte', id }, details: { organisation: account.organisation, roles: account.roles, demo: true } });
    created++;
  }
  return created;
}
