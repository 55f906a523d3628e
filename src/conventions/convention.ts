/**
 * Local conventions between two organisations: the only legal frame in which personal data
 * crosses. Pure domain: the lifecycle (one-year term, tacit renewal, amendments, termination with
 * two months' notice), the covering convention of a package, the fields it allows.
 *
 * Lifecycle (convention nationale PRADO, art. 6, seed 003, which SPEC.md applies to every convention):
 * « conclue pour une durée d'un an. Elle est renouvelable par tacite reconduction pour une période
 * d'un an. Toute modification … formalisée par un avenant … La convention peut être dénoncée à tout
 * moment par chacune des Parties … sous réserve de respecter un préavis de deux mois. »
 * So a termination notified on D takes effect on D + 2 months (the convention is in force until
 * the day before), whatever the anniversary.
 */
import { z } from 'zod';
import { addMonths, addYears, dateFr, formatPath, frenchIssue, isIsoDate, toIsoDate, type Programme } from '../programmes/index.ts';

export const DUREE_PERIODE_ANS = 1;
export const PREAVIS_MOIS = 2;

const missingOr = (what: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'valeur obligatoire manquante' : what);
const texte = z.string({ error: missingOr('texte attendu') }).trim().min(1, 'texte non vide attendu');
const isoDate = z.string({ error: missingOr('date attendue') }).refine(isIsoDate, 'date AAAA-MM-JJ attendue');
const codeOrganisme = z.string({ error: missingOr('code d’organisme attendu') }).regex(/^[a-z0-9][a-zA-Z0-9-]*$/, 'code d’organisme attendu (ex. caf-83, cpam-59-flandres)');
const codeProgramme = z.string({ error: missingOr('identifiant de programme attendu') }).regex(/^[a-z0-9][a-z0-9_-]*$/, 'identifiant de programme attendu (ex. aidants)');
const champ = z.string({ error: missingOr('nom de champ attendu') }).regex(/^[a-z][a-z0-9_]*$/, 'nom de champ attendu (minuscules, chiffres et _)');

/** A party's signature: the organisation, the person who signed for it, the date. */
export const signatureSchema = z.object({
  organisation: codeOrganisme,
  par: texte,
  qualite: texte.optional(),
  date: isoDate,
}).strict();

export const avenantSchema = z.object({
  /** Number of the amendment (1, 2…), in the order they were agreed. */
  numero: z.int().positive().optional(),
  date: isoDate,
  objet: texte,
  /** The complete list of fields from this date (replaces the previous one). */
  champs: z.array(champ).optional(),
  /** The complete list of programmes covered from this date. */
  programmes: z.array(codeProgramme).min(1, 'au moins un programme').optional(),
  /** Signatures of the two parties; absent for an amendment registered as signed outside Passerelle. */
  signatures: z.array(signatureSchema).optional(),
}).strict();

export const conventionSchema = z.object({
  id: z.string({ error: missingOr('identifiant attendu') }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'identifiant attendu (lettres, chiffres, . - _)'),
  intitule: texte.optional(),
  parties: z.object({ expediteur: codeOrganisme, destinataire: codeOrganisme }).strict(),
  programmes: z.array(codeProgramme).min(1, 'au moins un programme'),
  champs: z.array(champ),
  baseLegale: texte,
  dateDebut: isoDate,
  avenants: z.array(avenantSchema),
  resiliation: z.object({ notifieeLe: isoDate, par: codeOrganisme.optional(), signataire: texte.optional(), motif: texte.optional() }).strict().nullable(),
  /**
   * Signatures of the two parties, as given in Passerelle. Absent for a convention registered as
   * already signed on paper (the demo's and older instances' conventions); present, the convention
   * is a draft (statut `projet`, never in force) until both parties have signed.
   */
  signatures: z.array(signatureSchema).optional(),
}).strict().check((ctx) => {
  const c = ctx.value;
  if (c.parties.expediteur === c.parties.destinataire) {
    ctx.issues.push({ code: 'custom', message: 'l’expéditeur et le destinataire doivent être deux organismes différents', path: ['parties'], input: c.parties });
  }
  c.avenants.forEach((a, i) => {
    if (a.date < c.dateDebut) ctx.issues.push({ code: 'custom', message: `avenant daté du ${dateFr(a.date)}, avant le début de la convention (${dateFr(c.dateDebut)})`, path: ['avenants', i, 'date'], input: a.date });
    if (!a.champs && !a.programmes) ctx.issues.push({ code: 'custom', message: 'un avenant modifie les champs, les programmes, ou les deux', path: ['avenants', i], input: a });
  });
  const parties = [c.parties.expediteur, c.parties.destinataire];
  const signed = (list: readonly { organisation: string }[] | undefined, path: (string | number)[]) => list?.forEach((sig, j) => {
    if (!parties.includes(sig.organisation)) ctx.issues.push({ code: 'custom', message: 'seules les deux parties signent', path: [...path, j, 'organisation'], input: sig.organisation });
    else if (list.findIndex((x) => x.organisation === sig.organisation) !== j) ctx.issues.push({ code: 'custom', message: 'cette partie a déjà signé', path: [...path, j, 'organisation'], input: sig.organisation });
  });
  signed(c.signatures, ['signatures']);
  c.avenants.forEach((a, i) => signed(a.signatures, ['avenants', i, 'signatures']));
  if (c.resiliation && c.resiliation.par && ![c.parties.expediteur, c.parties.destinataire].includes(c.resiliation.par)) {
    ctx.issues.push({ code: 'custom', message: 'la résiliation est notifiée par l’une des parties', path: ['resiliation', 'par'], input: c.resiliation.par });
  }
});

export type Convention = z.output<typeof conventionSchema>;
export type Avenant = z.output<typeof avenantSchema>;
export type Signature = z.output<typeof signatureSchema>;

export type ConventionStatut = 'projet' | 'a_venir' | 'active' | 'en_preavis' | 'resiliee';

export interface ConventionStatus {
  statut: ConventionStatut;
  /** True when the convention is in force on that date (active or under notice). */
  enVigueur: boolean;
  /** Yearly period: 1 the first year, 2 after the first tacit renewal…; null when not in force. */
  periode: number | null;
  debutPeriode: string | null;
  /** Last day of the current yearly period (the day before the next anniversary). */
  finPeriode: string | null;
  renouveleeTacitement: boolean;
  /** First day the convention is no longer in force after a termination (notifieeLe + 2 months). */
  finEffet: string | null;
  /** Fields and programmes as amended on that date. */
  champs: string[];
  programmes: string[];
  /** The status in French, with its dates. */
  libelle: string;
}

/** Date a termination takes effect: the convention is in force until the day before. */
export function terminationEffectiveDate(convention: Pick<Convention, 'resiliation'>): string | null {
  return convention.resiliation ? addMonths(convention.resiliation.notifieeLe, PREAVIS_MOIS) : null;
}

/** The parties that have not signed yet (none when the document was registered as signed on paper). */
export function missingSignatures(parties: Convention['parties'], signatures: readonly Signature[] | undefined): string[] {
  if (signatures === undefined) return [];
  return [parties.expediteur, parties.destinataire].filter((o) => !signatures.some((s) => s.organisation === o));
}

/**
 * Fields and programmes as amended on a date: the last amendment dated on or before it wins.
 * An amendment still waiting for a party's signature changes nothing.
 */
export function termsAt(convention: Pick<Convention, 'champs' | 'programmes' | 'avenants'> & Partial<Pick<Convention, 'parties'>>, date: string): { champs: string[]; programmes: string[] } {
  let champs = convention.champs;
  let programmes = convention.programmes;
  const agreed = convention.avenants.filter((a) => !convention.parties || missingSignatures(convention.parties, a.signatures).length === 0);
  const ordered = agreed.map((a, i) => ({ a, i })).sort((x, y) => (x.a.date < y.a.date ? -1 : x.a.date > y.a.date ? 1 : x.i - y.i));
  for (const { a } of ordered) {
    if (a.date > date) break;
    if (a.champs) champs = a.champs;
    if (a.programmes) programmes = a.programmes;
  }
  return { champs: [...champs], programmes: [...programmes] };
}

const ordinal = (n: number) => (n === 1 ? '1re' : `${n}e`);

/** The convention's status on a date (ISO date, or Date in UTC). */
export function conventionStatus(convention: Convention, on: string | Date): ConventionStatus {
  const date = toIsoDate(on);
  const terms = termsAt(convention, date);
  const finEffet = terminationEffectiveDate(convention);
  const base = { ...terms, finEffet: null as string | null };
  const missing = missingSignatures(convention.parties, convention.signatures);
  if (missing.length > 0) {
    return { ...base, statut: 'projet', enVigueur: false, periode: null, debutPeriode: null, finPeriode: null, renouveleeTacitement: false, libelle: `projet en attente de la signature de ${missing.join(' et de ')}` };
  }
  if (date < convention.dateDebut) {
    return { ...base, statut: 'a_venir', enVigueur: false, periode: null, debutPeriode: null, finPeriode: null, renouveleeTacitement: false, libelle: `à venir : prend effet le ${dateFr(convention.dateDebut)}` };
  }
  if (finEffet !== null && date >= finEffet) {
    return {
      ...base, finEffet, statut: 'resiliee', enVigueur: false, periode: null, debutPeriode: null, finPeriode: null, renouveleeTacitement: false,
      libelle: `résiliée depuis le ${dateFr(finEffet)} (résiliation notifiée le ${dateFr(convention.resiliation!.notifieeLe)}, préavis de deux mois)`,
    };
  }
  let periode = 1;
  while (addYears(convention.dateDebut, periode * DUREE_PERIODE_ANS) <= date) periode++;
  const debutPeriode = addYears(convention.dateDebut, (periode - 1) * DUREE_PERIODE_ANS);
  const prochaine = addYears(convention.dateDebut, periode * DUREE_PERIODE_ANS);
  const finPeriode = toIsoDate(new Date(Date.parse(`${prochaine}T00:00:00Z`) - 86_400_000));
  const renouvelee = periode > 1;
  const annee = `${ordinal(periode)} année${renouvelee ? `, renouvelée tacitement le ${dateFr(debutPeriode)}` : ''}`;
  const notified = convention.resiliation !== null && date >= convention.resiliation.notifieeLe;
  if (notified) {
    return {
      ...base, finEffet, statut: 'en_preavis', enVigueur: true, periode, debutPeriode, finPeriode, renouveleeTacitement: renouvelee,
      libelle: `en préavis (${annee}) : résiliation notifiée le ${dateFr(convention.resiliation!.notifieeLe)}, en vigueur jusqu'au ${dateFr(toIsoDate(new Date(Date.parse(`${finEffet}T00:00:00Z`) - 86_400_000)))} inclus`,
    };
  }
  return {
    ...base, finEffet: null, statut: 'active', enVigueur: true, periode, debutPeriode, finPeriode, renouveleeTacitement: renouvelee,
    libelle: `active (${annee}) ; prochain renouvellement tacite le ${dateFr(prochaine)}`,
  };
}

export interface CoverageQuery {
  /** The programme (its id, or its definition: its title then appears in the messages). */
  programme: string | Pick<Programme, 'id' | 'titre' | 'donnees'>;
  expediteur: string;
  destinataire: string;
  date: string | Date;
  /** Organisation names by code, for the messages ("la Caf du Var (caf-83)"). */
  noms?: Readonly<Record<string, string>>;
}

/** What must be signed for the exchange to be allowed: by whom, for which programme, in which direction. */
export interface SignatureNeeded {
  programme: string;
  expediteur: string;
  destinataire: string;
  /** Drafts already proposed between the two organisations, and who has still to sign each. */
  projets: { convention: string; enAttenteDe: string[] }[];
}

/** The web page where administrators propose and sign conventions. */
export const CONVENTIONS_PAGE = '/conventions';

export type Coverage =
  | { ok: true; convention: Convention; statut: ConventionStatus }
  | { ok: false; raison: string; aSigner?: SignatureNeeded };

/**
 * The convention under which a package may be sealed: in force on the date, between exactly
 * these two organisations in this direction, covering the programme (as amended). When several
 * qualify, the most recent one (latest start) is used. Otherwise a French refusal naming why.
 */
export function coveringConvention(conventions: readonly Convention[], query: CoverageQuery): Coverage {
  const date = toIsoDate(query.date);
  const id = typeof query.programme === 'string' ? query.programme : query.programme.id;
  const nomProgramme = typeof query.programme === 'string' ? `« ${id} »` : `« ${query.programme.titre} »`;
  const org = (code: string) => (query.noms?.[code] ? `${query.noms[code]} (${code})` : code);
  const entre = `entre ${org(query.expediteur)} et ${org(query.destinataire)}`;
  const between = conventions.filter((c) => c.parties.expediteur === query.expediteur && c.parties.destinataire === query.destinataire);
  const projets = between.map((c) => ({ c, manque: missingSignatures(c.parties, c.signatures) }))
    .filter((x) => x.manque.length > 0 && x.c.programmes.includes(id) && x.c.resiliation === null)
    .map((x) => ({ convention: x.c.id, enAttenteDe: x.manque }));
  const aSigner: SignatureNeeded = { programme: id, expediteur: query.expediteur, destinataire: query.destinataire, projets };
  const quoi = projets.length > 0
    ? `Le projet ${projets.map((p) => `${p.convention} attend la signature de ${p.enAttenteDe.map(org).join(' et de ')}`).join(' ; le projet ')}`
    : `l'administrateur de ${org(query.expediteur)} ou de ${org(query.destinataire)} propose une convention couvrant ce programme, dans ce sens, et l'administrateur de l'autre organisme la signe`;
  const refus = (detail: string) => ({
    ok: false as const,
    raison: `Scellement refusé : aucune convention active ne couvre le programme ${nomProgramme} ${entre} au ${dateFr(date)}. ${detail} À signer : ${quoi} (page « Conventions », ${CONVENTIONS_PAGE}).`,
    aSigner,
  });

  if (typeof query.programme !== 'string' && query.programme.donnees.transmission !== 'nominative') {
    return { ok: false, raison: `Scellement refusé : le programme ${nomProgramme} ne transmet aucune donnée personnelle à un autre organisme.` };
  }
  if (between.length === 0) {
    const reverse = conventions.some((c) => c.parties.expediteur === query.destinataire && c.parties.destinataire === query.expediteur);
    return refus(reverse
      ? `Une convention existe dans l'autre sens (de ${org(query.destinataire)} vers ${org(query.expediteur)}) : elle ne permet pas cet envoi.`
      : 'Aucune convention locale n’est enregistrée entre ces deux organismes.');
  }
  const valid: { convention: Convention; statut: ConventionStatus }[] = [];
  const reasons: string[] = [];
  for (const c of between) {
    const statut = conventionStatus(c, date);
    if (!statut.enVigueur) reasons.push(`la convention ${c.id} est ${statut.libelle}`);
    else if (!statut.programmes.includes(id)) reasons.push(`la convention ${c.id} ne couvre pas ce programme (programmes couverts : ${statut.programmes.join(', ')})`);
    else valid.push({ convention: c, statut });
  }
  if (valid.length === 0) return refus(`${reasons.map((r) => r.charAt(0).toUpperCase() + r.slice(1)).join(' ; ')}.`);
  valid.sort((a, b) => (a.convention.dateDebut < b.convention.dateDebut ? 1 : a.convention.dateDebut > b.convention.dateDebut ? -1 : a.convention.id.localeCompare(b.convention.id)));
  const best = valid[0]!;
  return { ok: true, convention: best.convention, statut: best.statut };
}

/**
 * The fields a package may carry on a date: those the programme allows at most, that the
 * convention (as amended on that date) lists too, in the programme's order. Empty when the
 * programme transmits nothing, or the convention is not in force or does not cover the programme.
 */
export function allowedFields(programme: Pick<Programme, 'id' | 'donnees'>, convention: Convention, on: string | Date): string[] {
  if (programme.donnees.transmission !== 'nominative') return [];
  const statut = conventionStatus(convention, on);
  if (!statut.enVigueur || !statut.programmes.includes(programme.id)) return [];
  const listed = new Set(statut.champs);
  return programme.donnees.champsMaximum.filter((f) => listed.has(f));
}

/** Fields the convention lists that the programme never lets cross (worth flagging to the administrator). */
export function fieldsNeverCrossing(programme: Pick<Programme, 'donnees'>, convention: Convention, on: string | Date): string[] {
  const max = new Set(programme.donnees.champsMaximum);
  return termsAt(convention, toIsoDate(on)).champs.filter((f) => !max.has(f));
}

export type ConventionParse = { ok: true; convention: Convention } | { ok: false; erreurs: string[] };

/** Validates a convention (from a form or a file); French messages prefixed with `label` and the path. */
export function parseConvention(data: unknown, label = 'convention'): ConventionParse {
  const parsed = conventionSchema.safeParse(data, { error: frenchIssue });
  if (parsed.success) return { ok: true, convention: parsed.data };
  return { ok: false, erreurs: parsed.error.issues.map((i) => (i.path.length === 0 ? `${label} : ${i.message}` : `${label} : ${formatPath(i.path)} : ${i.message}`)) };
}
