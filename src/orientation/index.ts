/**
 * Front door of the orientation context: the citizen pathways (five questions), the offer catalogue of both branches,
 * the local contacts from the postal code and the printable check-list. Nothing the citizen answers is stored or logged:
 * answers live in the request only; the only cache holds reference data (postal code → communes and organisations).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { lookupPostalCode, type CommuneCompetente, type PostalLookup } from '../territories/index.ts';
import { montantDe, parcoursDe } from './catalogue.ts';
import { contactsFor, type Contact } from './contacts.ts';
import { catalogue, describeCondition, evaluate } from './engine.ts';
import { aujourdhuiIso } from './format.ts';
import { findParcours, PARCOURS } from './questionnaire.ts';
import { buildChecklistPdf, type ModeChecklist } from './pdf.ts';
import { BRANCHE_LIBELLES, ETAPE_LIBELLES, type Montant, type OffreResultat, type Parcours, type Reponses } from './types.ts';
import { COMMUNE, validateReponses } from './validation.ts';

export { PARCOURS, PARCOURS_DIR, findParcours, isParcoursId, parseParcours } from './questionnaire.ts';
export { evaluate, describeCondition, catalogue } from './engine.ts';
export { checkCatalogue, loadCatalogue, montantDe, CATALOGUE_FILE } from './catalogue.ts';
export { validateReponses, COMMUNE } from './validation.ts';
export { contactsFor, slugCaf, type Contact } from './contacts.ts';
export { buildChecklistPdf, checklistDefinition, type ChecklistInput, type ModeChecklist } from './pdf.ts';
export { dateFr, nombreFr, aujourdhuiIso } from './format.ts';
export * from './types.ts';

/** GET /api/orientation: the pathways and their questions, as the web form needs them. */
export function listParcours() {
  return {
    parcours: PARCOURS.map((p) => ({
      id: p.id,
      titre: p.titre,
      description: p.description,
      questions: p.questions.map((q) => ({
        id: q.id,
        libelle: q.libelle,
        aide: q.aide,
        type: q.type,
        options: q.options,
        ...(q.siReponse ? { siReponse: q.siReponse } : {}),
        ...(q.min !== undefined ? { min: q.min } : {}),
        ...(q.max !== undefined ? { max: q.max } : {}),
      })),
    })),
    communeSupplementaire: {
      id: COMMUNE,
      libelle: 'Quelle est votre commune ?',
      aide: 'Demandée seulement quand plusieurs communes partagent votre code postal : envoyez le code de la commune choisie parmi celles proposées.',
    },
    catalogue: { version: catalogue().version },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Postal codes: reference data only, cached a few minutes per database (no answer, no time, no count is kept).

const CACHE_TTL_MS = 10 * 60 * 1000;
const CACHE_MAX = 20_000;
const postalCaches = new WeakMap<Kysely<DB>, Map<string, { at: number; result: Promise<PostalLookup> }>>();

function cachedLookup(db: Kysely<DB>, codePostal: string): Promise<PostalLookup> {
  let cache = postalCaches.get(db);
  if (!cache) postalCaches.set(db, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(codePostal);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.result;
  if (cache.size >= CACHE_MAX) cache.clear();
  const result = lookupPostalCode(db, codePostal);
  cache.set(codePostal, { at: now, result });
  result.catch(() => cache.delete(codePostal));
  return result;
}

// ---------------------------------------------------------------------------------------------------------------

export type Failure = {
  ok: false;
  status: 400 | 404;
  erreur: string;
  champs?: Record<string, string>;
  /** Multi-commune postal code: the communes to choose from (answer `commune` with one of these codes). */
  communes?: { code: string; nom: string }[];
};

export interface Orientation {
  ok: true;
  parcours: Parcours;
  reponses: Reponses;
  commune: CommuneCompetente;
  offres: OffreResultat[];
  contacts: Contact[];
  date: string;
}

const ERREUR_CHAMPS = 'Certaines réponses sont invalides : corrigez les champs signalés.';

/** Validates the answers, finds the commune and its organisations, evaluates the offers. Stores nothing. */
export async function orient(db: Kysely<DB>, parcoursId: string, input: unknown, options: { aujourdhui?: string } = {}): Promise<Orientation | Failure> {
  const parcours = findParcours(parcoursId);
  if (!parcours) return { ok: false, status: 404, erreur: `Parcours inconnu : choisissez ${PARCOURS.map((p) => `« ${p.id} »`).join(', ')}.` };
  const raw = input && typeof input === 'object' && !Array.isArray(input) ? input as Record<string, unknown> : {};
  const validation = validateReponses(parcours, raw);
  if (!validation.ok) return { ok: false, status: 400, erreur: ERREUR_CHAMPS, champs: validation.champs };
  const codePostal = String(validation.reponses.codePostal);
  const lookup = await cachedLookup(db, codePostal);
  if (!lookup.ok) return { ok: false, status: 400, erreur: ERREUR_CHAMPS, champs: { codePostal: lookup.erreur } };
  const liste = lookup.communes.map((c) => ({ code: c.code, nom: c.nom }));
  let commune: CommuneCompetente | undefined;
  if (validation.commune) {
    commune = lookup.communes.find((c) => c.code === validation.commune);
    if (!commune) {
      return { ok: false, status: 400, erreur: ERREUR_CHAMPS, champs: { [COMMUNE]: `Cette commune ne correspond pas au code postal ${codePostal} : choisissez-en une dans la liste.` }, communes: liste };
    }
  } else if (lookup.communes.length === 1) {
    commune = lookup.communes[0]!;
  } else {
    return {
      ok: false, status: 400,
      erreur: `Plusieurs communes ont le code postal ${codePostal} : indiquez la vôtre.`,
      champs: { [COMMUNE]: `Choisissez votre commune parmi les ${liste.length} communes du code postal ${codePostal}.` },
      communes: liste,
    };
  }
  const date = options.aujourdhui ?? aujourdhuiIso();
  const offres = evaluate(parcours, validation.reponses, { aujourdhui: date });
  return { ok: true, parcours, reponses: validation.reponses, commune, offres, contacts: contactsFor(commune, offres), date };
}

const AVERTISSEMENT = 'Ces informations sont indicatives : chaque organisme étudie vos droits au moment de votre demande. Vos réponses ne sont pas conservées.';
const LIBELLES = { branches: BRANCHE_LIBELLES, etapes: ETAPE_LIBELLES };

/** An offer as the API shows it (the labels of branches and steps are given once, in `libelles`). */
function offrePublique(o: OffreResultat) {
  const { brancheLibelle: _b, etapeLibelle: _e, ...rest } = o;
  return rest;
}

/** The answer of POST /api/orientation/{parcours}. The answers themselves are not echoed back. */
export function orientationBody(o: Orientation) {
  return {
    parcours: { id: o.parcours.id, titre: o.parcours.titre },
    commune: { code: o.commune.code, nom: o.commune.nom, departement: o.commune.departement },
    contacts: o.contacts,
    date: o.date,
    catalogue: { version: catalogue().version },
    libelles: LIBELLES,
    avertissement: AVERTISSEMENT,
    offres: o.offres.map(offrePublique),
  };
}

// The JSON of each offer depends only on the pathway, the catalogue and the day, never on a citizen: it is serialised
// and encoded to UTF-8 once per day, and an answer is assembled from these bytes (the hot path of the benchmark:
// encoding ~20 kB of accented text on every request was most of its cost). The head (pathway, commune, contacts)
// depends on reference data only: cached for the day, keyed by everything it shows.
const tetes = new Map<string, Buffer>();
function teteUtf8(o: Orientation): Buffer {
  const c = o.commune;
  const key = [o.parcours.id, c.code, c.nom, c.caf?.code, c.caf?.nom, c.cpam?.code, c.cpam?.nom, c.carsat?.code, c.carsat?.nom, o.contacts.length].join('|');
  let bytes = tetes.get(key);
  if (bytes === undefined) {
    const j = JSON.stringify;
    bytes = Buffer.from(`{"parcours":${j({ id: o.parcours.id, titre: o.parcours.titre })},`
      + `"commune":${j({ code: c.code, nom: c.nom, departement: c.departement })},"contacts":${j(o.contacts)},`);
    if (tetes.size >= 20_000) tetes.clear();
    tetes.set(key, bytes);
  }
  return bytes;
}

let jourSerialise = '';
let milieu = Buffer.alloc(0);
const offresEncodees = new Map<string, Map<string, Buffer>>();
function preparerJour(jour: string) {
  if (jour === jourSerialise) return;
  offresEncodees.clear();
  tetes.clear();
  const j = JSON.stringify;
  milieu = Buffer.from(`"date":${j(jour)},"catalogue":${j({ version: catalogue().version })},"libelles":${j(LIBELLES)},"avertissement":${j(AVERTISSEMENT)},"offres":[`);
  jourSerialise = jour;
}
function offreUtf8(parcours: string, offre: OffreResultat): Buffer {
  let duParcours = offresEncodees.get(parcours);
  if (!duParcours) offresEncodees.set(parcours, (duParcours = new Map()));
  let bytes = duParcours.get(offre.id);
  if (bytes === undefined) duParcours.set(offre.id, (bytes = Buffer.from(JSON.stringify(offrePublique(offre)))));
  return bytes;
}
const VIRGULE = 0x2c;
const FIN = Buffer.from(']}');

/** The same answer as `orientationBody`, as UTF-8 JSON bytes, assembled from the offers' cached bytes. */
export function orientationPayload(o: Orientation): Buffer {
  preparerJour(o.date);
  const tete = teteUtf8(o);
  const offres = o.offres.map((x) => offreUtf8(o.parcours.id, x));
  let taille = tete.length + milieu.length + FIN.length + Math.max(0, offres.length - 1);
  for (const b of offres) taille += b.length;
  const out = Buffer.allocUnsafe(taille);
  let at = tete.copy(out, 0);
  at += milieu.copy(out, at);
  offres.forEach((b, i) => {
    if (i) out[at++] = VIRGULE;
    at += b.copy(out, at);
  });
  FIN.copy(out, at);
  return out;
}

/** The check-list PDF of an orientation, in citizen or interview mode. */
export async function checklistPdf(o: Orientation, mode: ModeChecklist): Promise<Buffer> {
  const retenues = new Set(o.offres.map((x) => x.id));
  const autresOffres = mode.mode === 'entretien'
    ? catalogue().offres
      .filter((x) => x.parcours[o.parcours.id] && !retenues.has(x.id) && x.checklist !== false)
      .map((x) => ({ titre: x.titre, branche: x.branche }))
    : [];
  return buildChecklistPdf({
    parcours: o.parcours,
    offres: o.offres,
    autresOffres,
    contacts: o.contacts,
    commune: { code: o.commune.code, nom: o.commune.nom },
    catalogueVersion: catalogue().version,
    date: o.date,
    mode,
  });
}

/** GET /api/orientation/catalogue (administrator): every offer, the pathways that use it and when, the dated amounts. */
export function catalogueAdmin(options: { aujourdhui?: string } = {}) {
  const cat = catalogue();
  const jour = options.aujourdhui ?? aujourdhuiIso();
  return {
    version: cat.version,
    revue: cat.revue,
    date: jour,
    parcours: PARCOURS.map((p) => ({ id: p.id, titre: p.titre, offres: cat.offres.filter((o) => o.parcours[p.id]).map((o) => o.id) })),
    offres: cat.offres.map((o) => ({
      id: o.id,
      branche: o.branche,
      organisme: o.organisme,
      nature: o.nature,
      titre: o.titre,
      lien: o.lien,
      etape: o.etape,
      ordre: o.ordre,
      checklist: o.checklist !== false,
      parametres: (o.montants ?? []).map((m) => m.parametre),
      parcours: parcoursDe(o).map((id) => {
        const p = findParcours(id)!;
        const usage = o.parcours[id]!;
        return { id, titre: p.titre, condition: describeCondition(usage.si, p), si: usage.si, pourquoi: usage.pourquoi };
      }),
    })),
    parametres: cat.parametres.map((p) => ({
      id: p.id,
      libelle: p.libelle,
      unite: p.unite,
      revalorisation: p.revalorisation ?? null,
      valeurs: p.valeurs,
      actuel: montantDe(p, jour) satisfies Montant | null,
      offres: cat.offres.filter((o) => o.montants?.some((m) => m.parametre === p.id)).map((o) => o.id),
    })),
  };
}

