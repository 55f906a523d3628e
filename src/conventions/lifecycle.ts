/**
 * The managed life of a convention, as pure functions over the stored definition: an
 * administrator of either party proposes it (and signs it), the other party's administrator signs
 * it; amendments are proposed and counter-signed the same way; either party gives notice of
 * termination. Each step returns the new definition or a French refusal. The derived status
 * (convention.ts) does the rest: a draft is never in force, an unsigned amendment changes nothing.
 */
import { addMonths, dateFr, type Programme } from '../programmes/index.ts';
import { conventionStatus, missingSignatures, parseConvention, PREAVIS_MOIS, type Avenant, type Convention, type Signature } from './convention.ts';

export type Step = { ok: true; convention: Convention } | { ok: false; erreur: string };

/** Who acts: an organisation (one of the parties), the person signing for it, the date (AAAA-MM-JJ). */
export interface Signer { organisation: string; par: string; qualite?: string; date: string }

const refuse = (erreur: string): Step => ({ ok: false, erreur });

function checked(definition: unknown): Step {
  const parsed = parseConvention(definition);
  return parsed.ok ? { ok: true, convention: parsed.convention } : refuse(parsed.erreurs.join(' ; '));
}

const signatureOf = (s: Signer): Signature => ({ organisation: s.organisation, par: s.par.trim(), ...(s.qualite?.trim() ? { qualite: s.qualite.trim() } : {}), date: s.date });

/** Fields a convention may list for its programmes: the union of their `champsMaximum`, in order. */
export function maximumFields(programmes: readonly Pick<Programme, 'donnees'>[]): string[] {
  return [...new Set(programmes.flatMap((p) => p.donnees.champsMaximum))];
}

function fieldProblems(champs: readonly string[], programmes: readonly Pick<Programme, 'id' | 'donnees'>[]): string | null {
  if (champs.length === 0) return 'choisissez au moins un champ transmis';
  const max = new Set(maximumFields(programmes));
  const extra = champs.filter((c) => !max.has(c));
  if (extra.length > 0) return `champs que le programme ne laisse jamais passer : ${extra.join(', ')} (au plus : ${[...max].join(', ')})`;
  if (new Set(champs).size !== champs.length) return 'un champ est listé deux fois';
  return null;
}

export interface DraftInput {
  id: string;
  intitule?: string;
  programmes: readonly Pick<Programme, 'id' | 'titre' | 'forme' | 'donnees' | 'baseLegale'>[];
  expediteur: string;
  destinataire: string;
  champs: readonly string[];
  dateDebut: string;
  baseLegale?: string;
  /** The proposing administrator: signs for their organisation, which must be a party. */
  proposant: Signer;
}

/** A new draft, signed by the proposing party only: it waits for the other party's signature. */
export function draftConvention(input: DraftInput): Step {
  if (input.programmes.length === 0) return refuse('choisissez le programme couvert');
  const notExchange = input.programmes.find((p) => p.forme !== 'echange' || p.donnees.transmission !== 'nominative');
  if (notExchange) return refuse(`le programme « ${notExchange.titre} » ne transmet aucune donnée personnelle à un autre organisme : il ne demande pas de convention`);
  if (![input.expediteur, input.destinataire].includes(input.proposant.organisation)) {
    return refuse('seul l’un des deux organismes de la convention peut la proposer');
  }
  const fields = fieldProblems(input.champs, input.programmes);
  if (fields) return refuse(fields);
  // The programme's legal texts, unless the administrator wrote the convention's own.
  const baseLegale = input.baseLegale?.trim() || input.programmes.flatMap((p) => p.baseLegale.map((b) => b.texte)).join(' ; ');
  return checked({
    id: input.id,
    ...(input.intitule?.trim() ? { intitule: input.intitule.trim() } : {}),
    parties: { expediteur: input.expediteur, destinataire: input.destinataire },
    programmes: input.programmes.map((p) => p.id),
    champs: [...input.champs],
    baseLegale,
    dateDebut: input.dateDebut,
    avenants: [],
    resiliation: null,
    signatures: [signatureOf(input.proposant)],
  });
}

/** What waits for a signature: the convention itself, or its last amendment. */
export type Pending = { objet: 'convention'; enAttenteDe: string[] } | { objet: 'avenant'; numero: number; enAttenteDe: string[] } | null;

export function pendingSignature(c: Convention): Pending {
  const missing = missingSignatures(c.parties, c.signatures);
  if (missing.length > 0) return { objet: 'convention', enAttenteDe: missing };
  for (const [i, a] of c.avenants.entries()) {
    const m = missingSignatures(c.parties, a.signatures);
    if (m.length > 0) return { objet: 'avenant', numero: a.numero ?? i + 1, enAttenteDe: m };
  }
  return null;
}

/** The other party signs what waits for its signature (the convention, or the pending amendment). */
export function signConvention(c: Convention, signer: Signer): Step {
  if (![c.parties.expediteur, c.parties.destinataire].includes(signer.organisation)) return refuse('seuls les deux organismes de la convention la signent');
  if (c.resiliation) return refuse('la convention a été dénoncée : elle ne se signe plus');
  const pending = pendingSignature(c);
  if (!pending) return refuse('rien n’attend de signature : la convention et ses avenants sont signés par les deux organismes');
  if (!pending.enAttenteDe.includes(signer.organisation)) {
    return refuse(`votre organisme a déjà signé ${pending.objet === 'convention' ? 'ce projet' : `l’avenant n° ${pending.numero}`} : il attend la signature de ${pending.enAttenteDe.join(', ')}`);
  }
  const signature = signatureOf(signer);
  if (pending.objet === 'convention') return checked({ ...c, signatures: [...(c.signatures ?? []), signature] });
  return checked({
    ...c,
    avenants: c.avenants.map((a, i) => ((a.numero ?? i + 1) === pending.numero ? { ...a, signatures: [...(a.signatures ?? []), signature] } : a)),
  });
}

export interface AmendmentInput {
  date: string;
  objet: string;
  champs: readonly string[];
  /** Programmes covered by the convention (their `champsMaximum` bound the fields). */
  programmes: readonly Pick<Programme, 'id' | 'donnees'>[];
  proposant: Signer;
}

/** A numbered amendment with its own complete field list and date, signed by the proposing party. */
export function proposeAmendment(c: Convention, input: AmendmentInput): Step {
  if (![c.parties.expediteur, c.parties.destinataire].includes(input.proposant.organisation)) return refuse('seuls les deux organismes de la convention l’amendent');
  const pending = pendingSignature(c);
  if (pending?.objet === 'convention') return refuse('la convention n’est pas encore signée par les deux organismes : modifiez le projet avant de le signer plutôt que de l’amender');
  if (pending) return refuse(`l’avenant n° ${pending.numero} attend encore une signature : un seul avenant à la fois`);
  const status = conventionStatus(c, input.date);
  if (status.statut === 'resiliee' || c.resiliation) return refuse('la convention a été dénoncée : elle ne s’amende plus');
  if (!input.objet.trim()) return refuse('indiquez l’objet de l’avenant');
  const fields = fieldProblems(input.champs, input.programmes);
  if (fields) return refuse(fields);
  const last = c.avenants.at(-1);
  if (last && input.date < last.date) return refuse(`un avenant ne peut pas prendre effet avant le précédent (${dateFr(last.date)})`);
  const avenant: Avenant = {
    numero: c.avenants.length + 1, date: input.date, objet: input.objet.trim(), champs: [...input.champs], signatures: [signatureOf(input.proposant)],
  };
  return checked({ ...c, avenants: [...c.avenants, avenant] });
}

/** Notice of termination by one party: in force until the day before `notifieeLe` + two months (art. 6, seed 003). */
export function denounceConvention(c: Convention, input: Signer & { motif?: string }): Step {
  if (![c.parties.expediteur, c.parties.destinataire].includes(input.organisation)) return refuse('seuls les deux organismes de la convention la dénoncent');
  if (c.resiliation) return refuse(`la convention a déjà été dénoncée le ${dateFr(c.resiliation.notifieeLe)}`);
  if (missingSignatures(c.parties, c.signatures).length > 0) return refuse('un projet non signé n’est pas en vigueur : il n’y a rien à dénoncer');
  return checked({
    ...c,
    resiliation: { notifieeLe: input.date, par: input.organisation, signataire: input.par.trim(), ...(input.motif?.trim() ? { motif: input.motif.trim() } : {}) },
  });
}

export interface HistoryEntry { date: string; organisation: string | null; par: string | null; evenement: string }

/** The convention's history, oldest first, from its own definition: signatures, amendments, notice. */
export function conventionHistory(c: Convention, noms: Readonly<Record<string, string>> = {}): HistoryEntry[] {
  const nom = (code: string) => noms[code] ?? code;
  const out: HistoryEntry[] = [];
  if (c.signatures === undefined) out.push({ date: c.dateDebut, organisation: null, par: null, evenement: 'Convention signée hors de Passerelle et enregistrée par un administrateur' });
  c.signatures?.forEach((s, i) => out.push({
    date: s.date, organisation: s.organisation, par: s.par,
    evenement: i === 0 ? `Projet proposé et signé pour ${nom(s.organisation)}` : `Convention signée pour ${nom(s.organisation)}`,
  }));
  c.avenants.forEach((a, i) => {
    const n = a.numero ?? i + 1;
    if (a.signatures === undefined) out.push({ date: a.date, organisation: null, par: null, evenement: `Avenant n° ${n} (${a.objet}), signé hors de Passerelle` });
    a.signatures?.forEach((s, j) => out.push({
      date: s.date, organisation: s.organisation, par: s.par,
      evenement: j === 0 ? `Avenant n° ${n} proposé et signé pour ${nom(s.organisation)} : ${a.objet}, prend effet le ${dateFr(a.date)}` : `Avenant n° ${n} signé pour ${nom(s.organisation)}`,
    }));
  });
  if (c.resiliation) {
    out.push({
      date: c.resiliation.notifieeLe, organisation: c.resiliation.par ?? null, par: c.resiliation.signataire ?? null,
      evenement: `Dénonciation notifiée${c.resiliation.par ? ` par ${nom(c.resiliation.par)}` : ''}${c.resiliation.motif ? ` (${c.resiliation.motif})` : ''} : fin d'effet le ${dateFr(addMonths(c.resiliation.notifieeLe, PREAVIS_MOIS))}`,
    });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

const CHANNEL_LABELS: Record<string, string> = { telephone: 'téléphone', courriel: 'courriel', courrier: 'courrier', rendez_vous: 'rendez-vous', visite: 'visite', information_collective: 'information collective' };

const GENERIC_PURPOSE: Record<string, string> = {
  nom: 'Identifier la personne quand on la contacte et retrouver son dossier',
  prenom: 'S’adresser à la personne par son nom complet',
  date_naissance: 'Distinguer deux homonymes et vérifier l’identité au téléphone',
  adresse_ligne: 'Adresser le courrier présentant l’offre',
  adresse_complement: 'Adresser le courrier présentant l’offre',
  commune: 'Adresser le courrier et proposer un lieu d’entretien proche',
  code_postal: 'Adresser le courrier et orienter vers l’accueil le plus proche',
  nature: 'Adapter l’offre à la nature de l’arrêt (maladie, accident du travail, maladie professionnelle)',
  date_debut_arret: 'Situer la durée de l’arrêt pour proposer l’offre au bon moment',
  prestation: 'Savoir quelle aide la personne a demandée, pour lui présenter l’offre qui y répond',
};

/**
 * Why each field the programme allows is needed, from the programme definition: the channel that
 * uses it, the markers it carries, the competence resolution; a short generic reason otherwise.
 */
export function fieldPurposes(programme: Pick<Programme, 'donnees' | 'canaux' | 'marqueurs' | 'destinataire'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of programme.donnees.champsMaximum) {
    const canal = programme.canaux.find((c) => c.champ === f);
    if (canal) out[f] = `Canal ${CHANNEL_LABELS[canal.canal] ?? canal.canal.replaceAll('_', ' ')} : ${canal.description}`;
    else if (f === 'marqueurs' && programme.marqueurs.length > 0) out[f] = `Orienter vers l’offre adaptée, selon les situations repérées (${programme.marqueurs.map((m) => m.libelle).join(' ; ')}) : codes calculés par l’expéditeur, les données elles-mêmes ne circulent pas`;
    else if (GENERIC_PURPOSE[f]) out[f] = GENERIC_PURPOSE[f];
    else out[f] = programme.donnees.description;
  }
  return out;
}
