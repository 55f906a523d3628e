/** Pure engine: which offers of the catalogue apply to a pathway's answers, in the order to act on them. */
import { compileRule, valeursDe, type Predicate } from '../rules/index.ts';
import { loadCatalogue, montantDe } from './catalogue.ts';
import { aujourdhuiIso } from './format.ts';
import { findParcours } from './questionnaire.ts';
import {
  BRANCHE_LIBELLES, ETAPE_LIBELLES, ETAPES,
  type Catalogue, type Condition, type Montant, type OffreResultat, type Parametre, type Parcours, type ParcoursId, type Reponses,
} from './types.ts';

let defaultCatalogue: Catalogue | undefined;
/** The shipped catalogue, loaded and checked once. */
export function catalogue(): Catalogue {
  defaultCatalogue ??= loadCatalogue();
  return defaultCatalogue;
}

/** montantDe is pure: its result is memoised per parameter (object) and day. */
const montants = new WeakMap<Parametre, Map<string, Montant | null>>();
function montantMemo(parametre: Parametre, jour: string): Montant | null {
  let parJour = montants.get(parametre);
  if (!parJour) montants.set(parametre, (parJour = new Map()));
  if (parJour.size > 8) parJour.clear();
  if (!parJour.has(jour)) parJour.set(jour, montantDe(parametre, jour));
  return parJour.get(jour)!;
}

export interface EvaluateOptions {
  /** Day of the evaluation (YYYY-MM-DD, Paris): decides which amounts are in force or out of date. */
  aujourdhui?: string;
  catalogue?: Catalogue;
}

const ETAPE_RANG = new Map(ETAPES.map((e, i) => [e, i]));

/** Per catalogue: its offers in check-list order, its parameters, and the result of each offer per pathway for one day. */
interface Prepared {
  offres: Catalogue['offres'];
  /** Each offer's condition per pathway, compiled once (the one rule evaluator, src/rules/). */
  conditions: Map<string, Predicate>;
  parametres: Map<string, Parametre>;
  jour: string;
  resultats: Map<string, OffreResultat>;
}
const prepared = new WeakMap<Catalogue, Prepared>();
function prepare(cat: Catalogue, jour: string): Prepared {
  let p = prepared.get(cat);
  if (!p) {
    const offres = [...cat.offres].sort((a, b) => (ETAPE_RANG.get(a.etape)! - ETAPE_RANG.get(b.etape)!) || a.ordre - b.ordre || a.id.localeCompare(b.id));
    const conditions = new Map<string, Predicate>();
    for (const o of offres) for (const [id, usage] of Object.entries(o.parcours)) if (usage) conditions.set(`${id}|${o.id}`, compileRule(usage.si));
    prepared.set(cat, (p = { offres, conditions, parametres: new Map(cat.parametres.map((x) => [x.id, x])), jour, resultats: new Map() }));
  }
  if (p.jour !== jour) {
    p.jour = jour;
    p.resultats.clear();
  }
  return p;
}

function resultat(p: Prepared, parcours: ParcoursId, offre: Catalogue['offres'][number], jour: string): OffreResultat {
  const key = `${parcours}|${offre.id}`;
  const known = p.resultats.get(key);
  if (known) return known;
  const usage = offre.parcours[parcours]!;
  const montants = (offre.montants ?? [])
    .map((m) => montantMemo(p.parametres.get(m.parametre)!, jour))
    .filter((m): m is Montant => m !== null);
  const r: OffreResultat = {
    id: offre.id,
    branche: offre.branche,
    brancheLibelle: BRANCHE_LIBELLES[offre.branche],
    organisme: offre.organisme,
    nature: offre.nature,
    titre: offre.titre,
    description: offre.description,
    pourquoi: usage.pourquoi,
    demarches: offre.demarches,
    lien: offre.lien,
    montants,
    etape: offre.etape,
    etapeLibelle: ETAPE_LIBELLES[offre.etape],
    ordre: offre.ordre,
    checklist: offre.checklist !== false,
  };
  p.resultats.set(key, r);
  return r;
}

/**
 * The offers that apply to validated answers, sorted by step then order. Pure given the catalogue and the day:
 * the same answers on the same day always give the same offers. The offer objects returned are shared between
 * calls of the same day (they depend on the catalogue and the day only): do not modify them.
 */
export function evaluate(parcours: Parcours | ParcoursId, reponses: Reponses, options: EvaluateOptions = {}): OffreResultat[] {
  const p = typeof parcours === 'string' ? findParcours(parcours) : parcours;
  if (!p) throw new Error(`parcours inconnu : ${String(parcours)}`);
  const jour = options.aujourdhui ?? aujourdhuiIso();
  const prep = prepare(options.catalogue ?? catalogue(), jour);
  const resultats: OffreResultat[] = [];
  for (const offre of prep.offres) {
    const test = prep.conditions.get(`${p.id}|${offre.id}`);
    if (test && test(reponses)) resultats.push(resultat(prep, p.id, offre, jour));
  }
  return resultats;
}

/** A condition in plain French, for the administrator's view of the catalogue. */
export function describeCondition(c: Condition, parcours: Parcours): string {
  if ('toujours' in c) return 'toujours';
  if ('tous' in c) return c.tous.map((x) => describeCondition(x, parcours)).join(' et ');
  if ('un' in c) return `(${c.un.map((x) => describeCondition(x, parcours)).join(' ou ')})`;
  if ('non' in c) return `non (${describeCondition(c.non, parcours)})`;
  const question = parcours.questions.find((q) => q.id === c.champ);
  const nom = question?.libelle ?? c.champ;
  const libelle = (v: unknown) => `« ${question?.options.find((o) => o.valeur === v)?.libelle ?? String(v)} »`;
  const valeurs = valeursDe(c);
  if (c.egal !== undefined || c.dans !== undefined) return `${nom} ${valeurs.map(libelle).join(' ou ')}`;
  if (c.different !== undefined || c.horsDe !== undefined) return `${nom} sauf ${valeurs.map(libelle).join(' ou ')}`;
  if (c.auMoins !== undefined) return `${nom} au moins ${String(c.auMoins)}`;
  if (c.auPlus !== undefined) return `${nom} au plus ${String(c.auPlus)}`;
  if (c.superieur !== undefined) return `${nom} plus de ${String(c.superieur)}`;
  if (c.inferieur !== undefined) return `${nom} moins de ${String(c.inferieur)}`;
  if (c.vide !== undefined) return c.vide ? `${nom} sans réponse` : `${nom} répondue`;
  return `${nom} ${JSON.stringify(c)}`;
}
