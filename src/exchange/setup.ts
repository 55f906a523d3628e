/**
 * Exchange setup for a new instance: a keyring for every organisation lacking one, and the demo
 * conventions of the caregivers' programme (Caf du Var → CPAM du Var, Caf du Nord → the four
 * Nord CPAMs). Idempotent: existing keyrings and conventions are left as they are.
 * The lead decides where to call it (first start, `passerelle init`, tests).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { createKeyring, OrganisationCodeSchema } from './keys.ts';
import { exchangeRepository } from './repository.ts';

const BASE_LEGALE = 'Articles L.114-12 du code de la sécurité sociale et L.114-8 II du CRPA ; IT 2025-098 (démarche proactive interbranche en direction des proches aidants)';

/** The demo conventions: one per (Caf, CPAM) pair, covering the caregivers' programme from 1 January 2026. */
export const DEMO_CONVENTIONS = [
  {
    id: 'conv-aidants-caf-83-cpam-83', intitule: 'Convention locale Caf du Var – CPAM du Var : proches aidants',
    parties: { expediteur: 'caf-83', destinataire: 'cpam-83' }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal', 'nom', 'prenom', 'prestation'],
    baseLegale: BASE_LEGALE, dateDebut: '2026-01-01', avenants: [], resiliation: null,
  },
  ...['cpam-59-flandres', 'cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing', 'cpam-59-hainaut'].map((cpam) => ({
    id: `conv-aidants-caf-59-${cpam}`, intitule: `Convention locale Caf du Nord – ${cpam} : proches aidants`,
    parties: { expediteur: 'caf-59', destinataire: cpam }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal', 'prestation'],
    baseLegale: BASE_LEGALE, dateDebut: '2026-01-01', avenants: [], resiliation: null,
  })),
];

export interface ExchangeSetupReport {
  keyrings: number;
  conventions: number;
  /** Organisations whose code the package format refuses: no keyring, they cannot exchange. */
  ignorees: string[];
}

export async function ensureExchangeSetup(db: Kysely<DB>, now: Date = new Date()): Promise<ExchangeSetupReport> {
  let keyrings = 0;
  const ignorees: string[] = [];
  for (const organisation of await exchangeRepository.organisationsWithoutKeyring(db)) {
    if (!OrganisationCodeSchema.safeParse(organisation).success) { ignorees.push(organisation); continue; }
    if (await exchangeRepository.insertKeyringIfMissing(db, await createKeyring(organisation, now))) keyrings++;
  }
  const known = new Set((await db.selectFrom('organisations').select('code').execute()).map((r) => r.code));
  let conventions = 0;
  for (const definition of DEMO_CONVENTIONS) {
    if (!known.has(definition.parties.expediteur) || !known.has(definition.parties.destinataire)) continue;
    if (await exchangeRepository.insertConventionIfMissing(db, definition, randomBytes(32))) conventions++;
  }
  return { keyrings, conventions, ignorees };
}
