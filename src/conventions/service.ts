/**
 * Managed conventions on an instance: propose, sign, amend, denounce, with the audit trail;
 * signed documents to and from another instance; the pre-check of a cycle (which recipients lack
 * a convention). The rules are pure (lifecycle.ts, convention.ts); the rows are the `conventions`
 * table (definition JSON + the encrypted pseudonym key, src/exchange/repository.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { currentGeneration, exchangeRepository, trustedSigningKeys } from '../exchange/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { findProgramme, toIsoDate, type Programme } from '../programmes/index.ts';
import { competentRecipients, listOrganisations, mayBeCompetentFor } from '../territories/index.ts';
import { conventionStatus, coveringConvention, type Convention, type SignatureNeeded } from './convention.ts';
import { signConventionDocument, verifyConventionDocument, remoteStepProblem, type DocumentStep, type SignedConventionDocument } from './document.ts';
import { denounceConvention, draftConvention, pendingSignature, proposeAmendment, signConvention, type Step } from './lifecycle.ts';

/** Who acts: the account (null from the command line), its organisation, the person signing. */
export interface ConventionActor { compteId: string | null; organisation: string; par: string; qualite?: string }

/** A refusal in French; `champ` names the form field at fault when there is one. */
export class ConventionError extends Error {
  readonly status: number;
  readonly champ: string | undefined;
  constructor(message: string, status = 400, champ?: string) {
    super(message);
    this.status = status;
    this.champ = champ;
  }
}

const audit = (db: Kysely<DB>, actor: ConventionActor, action: string, id: string, details: Record<string, unknown>) =>
  recordAudit(db, { action, acteur: { compteId: actor.compteId, organisation: actor.organisation }, cible: { type: 'convention', id }, details });

function stepOrThrow(step: Step, champ?: string): Convention {
  if (!step.ok) throw new ConventionError(step.erreur.charAt(0).toUpperCase() + step.erreur.slice(1) + '.', 400, champ);
  return step.convention;
}

/** Organisations and their types, to check that each party belongs to the programme's branch. */
async function organisationTypes(db: Kysely<DB>): Promise<Map<string, { nom: string; type: string }>> {
  return new Map((await listOrganisations(db)).map((o) => [o.code, { nom: o.nom, type: o.type }]));
}

export const isOfBranch = (type: string | undefined, branche: string) => type !== undefined && mayBeCompetentFor(type, branche);

/** The conventions one organisation is a party to (every convention when `organisation` is null). */
export async function conventionsOf(db: Kysely<DB>, organisation: string | null): Promise<Convention[]> {
  return (await exchangeRepository.conventions(db)).map((s) => s.convention)
    .filter((c) => organisation === null || c.parties.expediteur === organisation || c.parties.destinataire === organisation);
}

export async function conventionOf(db: Kysely<DB>, id: string, organisation: string | null): Promise<Convention | undefined> {
  const stored = await exchangeRepository.convention(db, id);
  if (!stored) return undefined;
  const c = stored.convention;
  return organisation === null || c.parties.expediteur === organisation || c.parties.destinataire === organisation ? c : undefined;
}

export interface ProposalInput {
  programme: string;
  expediteur: string;
  destinataire: string;
  champs: string[];
  dateDebut: string;
  intitule?: string;
  baseLegale?: string;
  id?: string;
}

/** Drafts a convention, signed by the proposing organisation; audited `convention.proposee`. */
export async function proposeConvention(db: Kysely<DB>, actor: ConventionActor, input: ProposalInput, programmes: readonly Programme[], now = new Date()): Promise<Convention> {
  const programme = findProgramme(programmes, input.programme);
  if (!programme) throw new ConventionError(`Programme inconnu : « ${input.programme.slice(0, 40)} ».`, 400, 'programme');
  if (programme.forme !== 'echange' || !programme.destinataire) {
    throw new ConventionError(`Le programme « ${programme.titre} » ne transmet aucune donnée personnelle à un autre organisme : il ne demande pas de convention.`, 400, 'programme');
  }
  const orgs = await organisationTypes(db);
  for (const [side, code, branche] of [['expediteur', input.expediteur, programme.expediteur.branche], ['destinataire', input.destinataire, programme.destinataire?.branche ?? '']] as const) {
    const org = orgs.get(code);
    if (!org) throw new ConventionError(`Organisme inconnu : « ${code.slice(0, 40)} ».`, 400, side);
    if (!isOfBranch(org.type, branche)) {
      throw new ConventionError(`${org.nom} n’est pas un organisme de la branche ${branche} : le programme « ${programme.titre} » va d’un organisme ${programme.expediteur.branche} vers un organisme ${branche}.`, 400, side);
    }
  }
  const base = input.id ?? `conv-${programme.id}-${input.expediteur}-${input.destinataire}-${toIsoDate(now).replaceAll('-', '')}`;
  let id = base;
  for (let n = 2; await exchangeRepository.convention(db, id); n++) {
    if (input.id) throw new ConventionError(`Une convention ${input.id} existe déjà.`, 409, 'id');
    id = `${base}-${n}`;
  }
  const convention = stepOrThrow(draftConvention({
    id, intitule: input.intitule ?? `Convention locale ${orgs.get(input.expediteur)!.nom} – ${orgs.get(input.destinataire)!.nom} : ${programme.titre}`,
    programmes: [programme], expediteur: input.expediteur, destinataire: input.destinataire, champs: input.champs,
    dateDebut: input.dateDebut, baseLegale: input.baseLegale, proposant: { ...actor, date: toIsoDate(now) },
  }), 'champs');
  await exchangeRepository.insertConventionIfMissing(db, convention, randomBytes(32));
  await audit(db, actor, 'convention.proposee', id, { programme: programme.id, expediteur: input.expediteur, destinataire: input.destinataire, champs: convention.champs, dateDebut: convention.dateDebut });
  return convention;
}

async function mustFind(db: Kysely<DB>, id: string, actor: ConventionActor): Promise<Convention> {
  const c = await conventionOf(db, id, actor.organisation);
  if (!c) throw new ConventionError(`Convention ${id.slice(0, 80)} introuvable pour votre organisme.`, 404);
  return c;
}

/** The actor's organisation signs what waits for it; audited `convention.signee` (and `convention.avenant_signe`). */
export async function signConventionStep(db: Kysely<DB>, actor: ConventionActor, id: string, now = new Date()): Promise<Convention> {
  const before = await mustFind(db, id, actor);
  const pending = pendingSignature(before);
  const after = stepOrThrow(signConvention(before, { ...actor, date: toIsoDate(now) }));
  await exchangeRepository.updateConventionDefinition(db, after);
  const status = conventionStatus(after, now);
  await audit(db, actor, pending?.objet === 'avenant' ? 'convention.avenant_signe' : 'convention.signee', id, {
    ...(pending?.objet === 'avenant' ? { avenant: pending.numero } : {}), statut: status.statut, enAttenteDe: pendingSignature(after)?.enAttenteDe ?? [],
  });
  return after;
}

export async function amendConvention(db: Kysely<DB>, actor: ConventionActor, id: string, input: { date: string; objet: string; champs: string[] }, programmes: readonly Programme[], now = new Date()): Promise<Convention> {
  const before = await mustFind(db, id, actor);
  const covered = before.programmes.map((p) => findProgramme(programmes, p)).filter((p): p is Programme => p !== undefined);
  const after = stepOrThrow(proposeAmendment(before, { ...input, programmes: covered, proposant: { ...actor, date: toIsoDate(now) } }), 'champs');
  await exchangeRepository.updateConventionDefinition(db, after);
  const avenant = after.avenants.at(-1)!;
  await audit(db, actor, 'convention.avenant_propose', id, { avenant: avenant.numero, date: avenant.date, champs: avenant.champs });
  return after;
}

export async function denounceConventionStep(db: Kysely<DB>, actor: ConventionActor, id: string, input: { date?: string; motif?: string }, now = new Date()): Promise<Convention> {
  const before = await mustFind(db, id, actor);
  const date = input.date ?? toIsoDate(now);
  if (date < toIsoDate(now)) throw new ConventionError('La dénonciation se notifie à partir d’aujourd’hui, pas à une date passée.', 400, 'date');
  const after = stepOrThrow(denounceConvention(before, { ...actor, date, motif: input.motif }));
  await exchangeRepository.updateConventionDefinition(db, after);
  await audit(db, actor, 'convention.denoncee', id, { notifieeLe: date, finEffet: conventionStatus(after, date).finEffet });
  return after;
}

/** The step a document records, from the convention's latest act by that organisation. */
function lastStep(c: Convention, organisation: string): DocumentStep {
  if (c.resiliation?.par === organisation) return 'denonciation';
  const a = c.avenants.at(-1);
  if (a?.signatures?.some((s) => s.organisation === organisation)) return 'avenant';
  return c.signatures?.[0]?.organisation === organisation ? (c.signatures.length === 1 ? 'proposition' : 'signature') : 'signature';
}

/** The convention as it stands, signed by one of its parties hosted here, to hand to the other party's instance. */
export async function exportConventionDocument(db: Kysely<DB>, id: string, organisation: string, now = new Date()): Promise<SignedConventionDocument> {
  const c = await conventionOf(db, id, organisation);
  if (!c) throw new ConventionError(`Convention ${id.slice(0, 80)} introuvable pour ${organisation}.`, 404);
  const ring = await exchangeRepository.keyring(db, organisation);
  if (!ring || !(await exchangeRepository.hostsOrganisation(db, organisation))) throw new ConventionError(`« ${organisation} » n’est pas hébergé par cette instance : elle ne signe pas pour lui.`, 400);
  const key = currentGeneration(ring).signature;
  const signed = signConventionDocument({ etape: lastStep(c, organisation), organisation, convention: c, date: now }, { keyId: key.keyId, privateKeyPem: key.privateKeyPem });
  await recordAudit(db, { action: 'convention.document_exporte', acteur: { compteId: null, organisation }, cible: { type: 'convention', id }, details: { etape: signed.document.etape } });
  return signed;
}

/** Takes a signed document from the other party's instance: a new proposal, or the signer's next step. */
export async function importConventionDocument(db: Kysely<DB>, raw: unknown): Promise<{ convention: Convention; etape: DocumentStep; organisation: string; nouvelle: boolean }> {
  const verified = await verifyConventionDocument(raw, async (org) => {
    const ring = await exchangeRepository.trustedPublicKeyring(db, org);
    return ring ? trustedSigningKeys(ring) : undefined;
  });
  if (!verified.ok) throw new ConventionError(verified.erreur, 422);
  const { document: d } = verified;
  const incoming = d.convention;
  const self = [incoming.parties.expediteur, incoming.parties.destinataire].find((o) => o !== d.organisation) ?? '';
  if (!(await exchangeRepository.hostsOrganisation(db, self))) throw new ConventionError(`Document refusé : l’autre partie (« ${self} ») n’est pas hébergée par cette instance.`, 422);
  const local = await exchangeRepository.convention(db, incoming.id);
  const problem = remoteStepProblem(local?.convention, incoming, d.organisation, self);
  if (problem) throw new ConventionError(`Document refusé : ${problem}.`, 422);
  if (local) await exchangeRepository.updateConventionDefinition(db, incoming);
  else await exchangeRepository.insertConventionIfMissing(db, incoming, randomBytes(32));
  await recordAudit(db, {
    action: 'convention.document_importe', acteur: { compteId: null, organisation: self }, cible: { type: 'convention', id: incoming.id },
    details: { etape: d.etape, signataire: d.organisation, statut: conventionStatus(incoming, new Date()).statut },
  });
  return { convention: incoming, etape: d.etape, organisation: d.organisation, nouvelle: !local };
}

export interface PrecheckRecipient { organisation: string; nom: string; ok: boolean; convention: string | null; raison: string | null; aSigner: SignatureNeeded | null }

/**
 * Before an extract is uploaded: the organisations that may receive this sender's packages for the
 * programme (those of the recipient branch competent for a commune the sender is competent for),
 * and for each whether a convention in force covers the programme today.
 */
export async function precheckCycle(db: Kysely<DB>, programme: Programme, expediteur: string, now = new Date()): Promise<PrecheckRecipient[]> {
  if (programme.forme !== 'echange' || !programme.destinataire) return [];
  const rows = await competentRecipients(db, expediteur, programme.expediteur.branche, programme.destinataire.branche);
  const conventions = (await exchangeRepository.conventions(db)).map((s) => s.convention);
  const noms = Object.fromEntries((await listOrganisations(db)).map((o) => [o.code, o.nom]));
  return rows.map((r) => {
    const coverage = coveringConvention(conventions, { programme, expediteur, destinataire: r.code, date: now, noms });
    return coverage.ok
      ? { organisation: r.code, nom: r.nom, ok: true, convention: coverage.convention.id, raison: null, aSigner: null }
      : { organisation: r.code, nom: r.nom, ok: false, convention: null, raison: coverage.raison, aSigner: coverage.aSigner ?? null };
  });
}
