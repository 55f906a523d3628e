/** The versioned offer catalogue (data/offres.json): schema, integrity checks, dated parameters. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { aujourdhuiIso, dateFr, nombreFr, prochaineDate } from './format.ts';
import { PARCOURS } from './parcours.ts';
import type { Catalogue, Condition, Montant, Parametre, Parcours, ParcoursId } from './types.ts';

export const CATALOGUE_FILE = new URL('../../data/offres.json', import.meta.url);

/** Official sites only: Caf, ARIPA, Assurance Maladie, Service-Public, Assurance retraite, and other gouv.fr sites. */
const DOMAINES_OFFICIELS = /^https:\/\/(www\.)?(caf\.fr|pension-alimentaire\.caf\.fr|ameli\.fr|service-public\.fr|service-public\.gouv\.fr|lassuranceretraite\.fr|[a-z0-9-]+\.gouv\.fr)(\/|$)/;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date AAAA-MM-JJ attendue');
const lien = z.object({ libelle: z.string().min(1), url: z.string().regex(DOMAINES_OFFICIELS, 'lien vers un site officiel (https) attendu') });
const valeurReponse = z.union([z.string(), z.boolean()]);

const condition: z.ZodType<Condition> = z.lazy(() => z.union([
  z.object({ toujours: z.literal(true) }).strict(),
  z.object({ question: z.string(), egal: valeurReponse }).strict(),
  z.object({ question: z.string(), dans: z.array(valeurReponse).min(1) }).strict(),
  z.object({ question: z.string(), auMoins: z.number() }).strict(),
  z.object({ question: z.string(), auPlus: z.number() }).strict(),
  z.object({ tous: z.array(condition).min(1) }).strict(),
  z.object({ un: z.array(condition).min(1) }).strict(),
  z.object({ non: condition }).strict(),
]));

const usage = z.object({ si: condition, pourquoi: z.string().min(1) }).strict();

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

/** Every reference in a condition must name a question of the pathway and one of its possible answers. */
function conditionProblems(c: Condition, parcours: Parcours, where: string): string[] {
  if ('toujours' in c) return [];
  if ('tous' in c) return c.tous.flatMap((x) => conditionProblems(x, parcours, where));
  if ('un' in c) return c.un.flatMap((x) => conditionProblems(x, parcours, where));
  if ('non' in c) return conditionProblems(c.non, parcours, where);
  const question = parcours.questions.find((q) => q.id === c.question);
  if (!question) return [`${where} : la question « ${c.question} » n'existe pas dans le parcours ${parcours.id}`];
  const valeurs = 'egal' in c ? [c.egal] : 'dans' in c ? c.dans : null;
  if (valeurs === null) {
    return question.type === 'nombre' ? [] : [`${where} : « ${c.question} » n'est pas une question numérique`];
  }
  const possibles = question.options.map((o) => o.valeur);
  return valeurs.filter((v) => !possibles.includes(v))
    .map((v) => `${where} : « ${String(v)} » n'est pas une réponse possible à « ${c.question} »`);
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
