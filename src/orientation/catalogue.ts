/** The versioned offer catalogue (data/offres.json): schema, integrity checks, dated parameters. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { comparaisons, comparisonParameters, operateurDe, ruleSchema, valeursDe } from '../rules/index.ts';
import { aujourdhuiIso, dateFr, nombreFr, prochaineDate } from './format.ts';
import { PARCOURS } from './questionnaire.ts';
import type { Catalogue, Condition, Montant, Parametre, Parcours, ParcoursId } from './types.ts';

export const CATALOGUE_FILE = new URL('../../data/offres.json', import.meta.url);

/** Official sites only: Caf, ARIPA, Assurance Maladie, Service-Public, Assurance retraite, and other gouv.fr sites. */
const DOMAINES_OFFICIELS = /^https:\/\/(www\.)?(caf\.fr|pension-alimentaire\.caf\.fr|ameli\.fr|service-public\.fr|service-public\.gouv\.fr|lassuranceretraite\.fr|[a-z0-9-]+\.gouv\.fr)(\/|$)/;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date AAAA-MM-JJ attendue');
const lien = z.object({ libelle: z.string().min(1), url: z.string().regex(DOMAINES_OFFICIELS, 'lien vers un site officiel (https) attendu') });
const usage = z.object({ si: ruleSchema, pourquoi: z.string().min(1) }).strict();

const catalogueSchema = z.object({
  description: z.string(),
  version: z.string().min(1),
  revue: z.object({ date: isoDate, note: z.string() }),
  parametres: z.array(z.object({
    id: z.string().regex(/^[a-z0-9_]+$/),
    libelle: z.string().min(1),
    unite: z.string().min(1),
    champ: z.string().optional(),
    note: z.string().optional(),
    revalorisation: z.object({ jour: z.string().regex(/^\d{2}-\d{2}$/), libelle: z.string() }).optional(),
    valeurs: z.array(z.object({
      valeur: z.number(),
      dateEffet: isoDate,
      source: z.object({ titre: z.string().min(1), url: z.string().regex(DOMAINES_OFFICIELS, 'source officielle (https) attendue') }),
    })).min(1),
  }).strict()),
  offres: z.array(z.object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    branche: z.enum(['caf', 'assurance_maladie', 'carsat']),
    organisme: z.string().min(1),
    nature: z.enum(['droit', 'service', 'demarche']),
    titre: z.string().min(1),
    description: z.string().min(1),
    demarches: z.array(z.string().min(1)).min(1),
    lien,
    montants: z.array(z.object({ parametre: z.string() }).strict()).optional(),
    etape: z.enum(['maintenant', 'bientot', 'ensuite']),
    ordre: z.number().int(),
    checklist: z.boolean().optional(),
    parcours: z.object({ separation: usage.optional(), aidant: usage.optional(), naissance: usage.optional() }).strict(),
  }).strict()),
}).strict();

/**
 * Every comparison of a condition (the one rule language) must name a question of the pathway; on a
 * question with proposed answers it compares with them (egal, different, dans, horsDe) and names only
 * possible answers; on a number question it compares with numbers. No parameter, no date arithmetic.
 */
function conditionProblems(c: Condition, parcours: Parcours, where: string): string[] {
  const out: string[] = [];
  for (const { chemin, comparaison } of comparaisons(c)) {
    const at = `${where}${chemin.length ? ` (si.${chemin.join('.')})` : ''}`;
    const question = parcours.questions.find((q) => q.id === comparaison.champ);
    if (!question) { out.push(`${at} : la question « ${comparaison.champ} » n'existe pas dans le parcours ${parcours.id}`); continue; }
    if (comparaison.plusJours !== undefined || comparaison.diviseePar !== undefined || comparisonParameters(comparaison).length > 0) {
      out.push(`${at} : une condition d'orientation compare une réponse à des valeurs écrites (ni paramètre, ni plusJours, ni diviseePar)`);
      continue;
    }
    const op = operateurDe(comparaison);
    if (op === 'vide') continue;
    if (question.type === 'nombre') {
      if (!['egal', 'different', 'dans', 'horsDe', 'inferieur', 'auPlus', 'superieur', 'auMoins'].includes(op) || valeursDe(comparaison).some((v) => typeof v !== 'number')) {
        out.push(`${at} : « ${comparaison.champ} » est une question numérique : comparez-la à des nombres`);
      }
      continue;
    }
    if (!['egal', 'different', 'dans', 'horsDe'].includes(op)) { out.push(`${at} : « ${comparaison.champ} » n'est pas une question numérique`); continue; }
    const possibles = question.options.map((o) => o.valeur);
    for (const v of valeursDe(comparaison)) {
      if (!possibles.includes(v as string | boolean)) out.push(`${at} : « ${String(v)} » n'est pas une réponse possible à « ${comparaison.champ} »`);
    }
  }
  return out;
}

/** Checks the catalogue against its schema and the pathways. Returns the problems, in French; empty when sound. */
export function checkCatalogue(raw: unknown, parcoursList: readonly Parcours[] = PARCOURS): { catalogue?: Catalogue; problemes: string[] } {
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    return { problemes: parsed.error.issues.map((i) => `${i.path.join('.') || 'catalogue'} : ${i.message}`) };
  }
  const catalogue = parsed.data as Catalogue;
  const problemes: string[] = [];
  const doublons = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
  for (const id of doublons(catalogue.offres.map((o) => o.id))) problemes.push(`offre en double : ${id}`);
  for (const id of doublons(catalogue.parametres.map((p) => p.id))) problemes.push(`paramètre en double : ${id}`);
  const parametres = new Set(catalogue.parametres.map((p) => p.id));
  for (const p of catalogue.parametres) {
    const dates = p.valeurs.map((v) => v.dateEffet);
    if (new Set(dates).size !== dates.length) problemes.push(`paramètre ${p.id} : deux valeurs à la même date d'effet`);
  }
  for (const offre of catalogue.offres) {
    for (const m of offre.montants ?? []) if (!parametres.has(m.parametre)) problemes.push(`offre ${offre.id} : paramètre inconnu ${m.parametre}`);
    const usages = Object.entries(offre.parcours);
    if (usages.length === 0) problemes.push(`offre ${offre.id} : aucun parcours ne l'utilise`);
    for (const [id, u] of usages) {
      const parcours = parcoursList.find((p) => p.id === id);
      if (!parcours || !u) continue;
      problemes.push(...conditionProblems(u.si, parcours, `offre ${offre.id}, parcours ${id}`));
    }
  }
  return problemes.length ? { problemes } : { catalogue, problemes };
}

export function loadCatalogue(file: URL | string = CATALOGUE_FILE): Catalogue {
  const { catalogue, problemes } = checkCatalogue(JSON.parse(readFileSync(file, 'utf8')));
  if (!catalogue) throw new Error(`Catalogue des offres invalide (${String(file)}) :\n- ${problemes.join('\n- ')}`);
  return catalogue;
}

/**
 * The value of a dated parameter on a given day: the latest value already in force. When the parameter is revalued
 * every year and the next revaluation day has passed without a newer value in the catalogue, the amount is returned
 * as "non actualisé" with a warning, never silently.
 */
export function montantDe(parametre: Parametre, aujourdhui: string = aujourdhuiIso()): Montant | null {
  const enVigueur = parametre.valeurs
    .filter((v) => v.dateEffet <= aujourdhui)
    .sort((a, b) => (a.dateEffet < b.dateEffet ? 1 : -1))[0];
  if (!enVigueur) return null;
  const attendue = parametre.revalorisation ? prochaineDate(enVigueur.dateEffet, parametre.revalorisation.jour) : undefined;
  const perime = attendue !== undefined && attendue <= aujourdhui;
  const montant = `${nombreFr(enVigueur.valeur)}\u00a0${parametre.unite}`;
  return {
    parametre: parametre.id,
    libelle: parametre.libelle,
    valeur: enVigueur.valeur,
    unite: parametre.unite,
    valeurTexte: montant,
    dateEffet: enVigueur.dateEffet,
    dateEffetTexte: dateFr(enVigueur.dateEffet),
    source: { titre: enVigueur.source.titre, url: enVigueur.source.url },
    ...(parametre.champ ? { champ: parametre.champ } : {}),
    ...(parametre.note ? { note: parametre.note } : {}),
    statut: perime ? 'non_actualise' : 'en_vigueur',
    ...(attendue ? { revalorisationAttendue: attendue } : {}),
    ...(perime ? {
      avertissement: `Montant non actualisé : la revalorisation attendue le ${dateFr(attendue!)} n'est pas encore intégrée. Vérifiez le montant actuel sur la page source.`,
    } : {}),
  };
}

/** Which pathways use an offer (for the administrator's view). */
export function parcoursDe(offre: Catalogue['offres'][number]): ParcoursId[] {
  return (Object.keys(offre.parcours) as ParcoursId[]).filter((id) => offre.parcours[id]);
}
