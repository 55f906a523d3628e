/**
 * Exchange setup for a new instance: a keyring for every organisation lacking one, and the demo
 * conventions (caregivers: Caf → CPAM; day 91, PDP, prevention: CPAM → Carsat; in the Var and the
 * Nord; see DEMO_CONVENTIONS). Idempotent: existing keyrings and conventions are left as they are.
 * The lead decides where to call it (first start, `passerelle init`, tests).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { listOrganisations } from '../territories/index.ts';
import { createKeyring, OrganisationCodeSchema } from './keys.ts';
import { exchangeRepository } from './repository.ts';

const BASE_LEGALE = 'Articles L.114-12 du code de la sécurité sociale et L.114-8 II du CRPA ; IT 2025-098 (démarche proactive interbranche en direction des proches aidants)';

const BASE_LEGALE_CARSAT = 'Article L.215-1 du code de la sécurité sociale (service social des Carsat) ; circulaire commune CNAM/CNAV sur les missions et priorités du service social, programmes nationaux 1 et 2 ; article 6.1.e et 9.2 du RGPD';
const CARSAT_PROGRAMMES = ['carsat-arret-91', 'carsat-pdp', 'carsat-parcours-prevention'];
const CARSAT_CHAMPS = ['nom', 'prenom', 'date_naissance', 'adresse_ligne', 'adresse_complement', 'code_postal', 'commune', 'telephone', 'email', 'nature', 'date_debut_arret', 'marqueurs'];
const NORD_CPAMS = ['cpam-59-flandres', 'cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing', 'cpam-59-hainaut'];
/** Names for the titles (the reference data's names: titles are read by people, codes are not). */
const NOMS: Record<string, string> = {
  'cpam-83': 'CPAM du Var', 'carsat-sud-est': 'Carsat Sud-Est', 'carsat-hauts-de-france': 'Carsat Hauts-de-France', 'cpam-59-flandres': 'CPAM des Flandres',
  'cpam-59-lille-douai': 'CPAM de Lille-Douai', 'cpam-59-roubaix-tourcoing': 'CPAM de Roubaix-Tourcoing', 'cpam-59-hainaut': 'CPAM du Hainaut',
};
const signed = (expediteur: string, destinataire: string, date: string) => [
  { organisation: expediteur, par: 'Direction de l’organisme expéditeur', date },
  { organisation: destinataire, par: 'Direction de l’organisme destinataire', date },
];

/**
 * The demo conventions: the caregivers' programme (Caf → CPAM, registered as signed on paper) and
 * the three CPAM → Carsat programmes (signed in Passerelle) in the Var and the Nord, all from
 * 1 January 2026; and one draft waiting for the CPAM du Var's signature (the Carsat Sud-Est
 * proposes the 2027 convention).
 */
export const DEMO_CONVENTIONS = [
  {
    id: 'conv-aidants-caf-83-cpam-83', intitule: 'Convention locale Caf du Var – CPAM du Var : proches aidants',
    parties: { expediteur: 'caf-83', destinataire: 'cpam-83' }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal', 'nom', 'prenom', 'prestation'],
    baseLegale: BASE_LEGALE, dateDebut: '2026-01-01', avenants: [], resiliation: null,
  },
  ...NORD_CPAMS.map((cpam) => ({
    id: `conv-aidants-caf-59-${cpam}`, intitule: `Convention locale Caf du Nord – ${NOMS[cpam]} : proches aidants`,
    parties: { expediteur: 'caf-59', destinataire: cpam }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal', 'prestation'],
    baseLegale: BASE_LEGALE, dateDebut: '2026-01-01', avenants: [], resiliation: null,
  })),
  ...[['cpam-83', 'carsat-sud-est'] as const, ...NORD_CPAMS.map((cpam) => [cpam, 'carsat-hauts-de-france'] as const)].map(([cpam, carsat]) => ({
    id: `conv-carsat-${cpam}-${carsat}`, intitule: `Convention locale ${NOMS[cpam]} – ${NOMS[carsat]} : service social (arrêts de travail, PDP, prévention)`,
    parties: { expediteur: cpam, destinataire: carsat }, programmes: CARSAT_PROGRAMMES, champs: CARSAT_CHAMPS,
    baseLegale: BASE_LEGALE_CARSAT, dateDebut: '2026-01-01', avenants: [], resiliation: null, signatures: signed(cpam, carsat, '2025-12-15'),
  })),
  {
    id: 'conv-carsat-cpam-83-carsat-sud-est-2027', intitule: 'Convention locale CPAM du Var – Carsat Sud-Est 2027 : service social (projet)',
    parties: { expediteur: 'cpam-83', destinataire: 'carsat-sud-est' }, programmes: CARSAT_PROGRAMMES,
    champs: CARSAT_CHAMPS.filter((c) => c !== 'email'),
    baseLegale: BASE_LEGALE_CARSAT, dateDebut: '2027-01-01', avenants: [], resiliation: null,
    signatures: [{ organisation: 'carsat-sud-est', par: 'Direction de la Carsat Sud-Est', date: '2026-11-20' }],
  },
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
  const withKeyring = await exchangeRepository.keyringOwners(db);
  const withoutKeyring = (await listOrganisations(db)).map((o) => o.code).filter((code) => !withKeyring.has(code));
  for (const organisation of withoutKeyring) {
    if (!OrganisationCodeSchema.safeParse(organisation).success) { ignorees.push(organisation); continue; }
    if (await exchangeRepository.insertKeyringIfMissing(db, await createKeyring(organisation, now))) keyrings++;
  }
  const known = new Set((await listOrganisations(db)).map((r) => r.code));
  let conventions = 0;
  for (const definition of DEMO_CONVENTIONS) {
    if (!known.has(definition.parties.expediteur) || !known.has(definition.parties.destinataire)) continue;
    if (await exchangeRepository.insertConventionIfMissing(db, definition, randomBytes(32))) conventions++;
  }
  return { keyrings, conventions, ignorees };
}
