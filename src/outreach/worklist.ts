/**
 * Worklist use cases for an authenticated actor: list, person page, record an event, assign,
 * update an orientation, close a month. Access: agents of the holding organisation or of an
 * organisation attached to it (the access policy of src/territories, purpose `worklist`). Every read of personal data
 * writes one audit record (no personal data in its details).
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../accounts/index.ts';
import type { DB } from '../db/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { addMonths, DETAIL_KIND_LABELS, findProgramme, isIsoMonth, toIsoDate, type Programme } from '../programmes/index.ts';
import { recordEvent, programmeOf, programmes } from './events.ts';
import { actorScope } from '../territories/index.ts';
import { LIST_FIELDS, visibleFields } from './fields.ts';
import { outreachRepository } from './repository.ts';
import { OutreachRuleError, VersionConflict, isCallable, riskProfile, riskRefusal } from './rules.ts';
import { callScript } from './scripts.ts';
import { isStatus, isTerminal, nextActions, STATUS_LABELS, STATUSES, TERMINAL_STATUSES, type Status } from './status.ts';
import {
  detailLabel, eventLabel, eventOf, ORIENTATION_STATUSES, ORIENTATION_STATUS_LABELS, PARTNER_LABELS, type OrientationPartner, type OrientationStatus,
} from './vocabulary.ts';
import { worklistRepository, type WorklistSort } from './worklist-repository.ts';

export type Failure = { ok: false; status: 400 | 403 | 404 | 409 | 410 | 422; erreur: string; champs?: Record<string, string> };
export type Result<T> = ({ ok: true } & T) | Failure;

const audit = (db: Kysely<DB>, actor: Actor, action: string, cible: { type: string; id: string } | null, details: Record<string, unknown>) =>
  recordAudit(db, { action, acteur: { compteId: actor.compteId, organisation: actor.organisation.code }, cible, details });

/**
 * The holding organisations whose worklists the actor may work (the access policy, purpose `worklist`):
 * agents only, of their own organisation and of the one it is attached to (ces-83 works cpam-83's
 * list). Pilots, exchange officers, DPOs and administrators never read people's data here.
 */
export async function actorWorklists(db: Kysely<DB>, actor: Actor): Promise<string[]> {
  const scope = await actorScope(db, actor, 'worklist', 'work');
  return scope === 'all' ? [] : [...scope]; // the policy never opens every worklist
}

export interface WorklistQuery {
  organisation?: string;
  programme?: string;
  mois?: string;
  statut?: string;
  agent?: string;
  page?: number;
  taille?: number;
  tri?: string;
}

/** A programme with its events (the bulk-outcomes vocabulary: code, label, what the detail carries). */
function vocabularyOf(id: string) {
  const p = findProgramme(programmes(), id);
  return {
    code: id, titre: p?.titre ?? id,
    evenements: (p?.evenements ?? []).map((e) => ({ code: e.code, libelle: e.libelle, detail: DETAIL_KIND_LABELS[e.detail], partenaires: e.partenaires ?? [] })),
  };
}

const SORTS: WorklistSort[] = ['id', '-id', 'statut', '-statut', 'dernier_evenement', '-dernier_evenement'];

export async function listWorklist(db: Kysely<DB>, actor: Actor, query: WorklistQuery) {
  const organisations = await actorWorklists(db, actor);
  if (organisations.length === 0) return { ok: false, status: 403, erreur: "Seuls les agents de l'organisme qui détient la liste (ou d'un organisme qui lui est rattaché) peuvent la consulter." } as Failure;
  const organisation = query.organisation ?? organisations[0]!;
  if (!organisations.includes(organisation)) return { ok: false, status: 403, erreur: "Vous ne pouvez pas consulter les listes de travail de cet organisme." } as Failure;
  const cohorts = await worklistRepository.cohorts(db, organisation);
  const programmesList = [...new Set(cohorts.map((c) => c.programme))];
  const programme = query.programme ?? programmesList[0];
  const champs: Record<string, string> = {};
  if (query.mois !== undefined && !isIsoMonth(query.mois)) champs.mois = 'Mois invalide : attendu AAAA-MM.';
  const statuts = query.statut ? query.statut.split(',') : undefined;
  const expanded = statuts?.flatMap((s) => (s === 'a_faire' ? STATUSES.filter((x) => !isTerminal(x)) : s === 'termines' ? [...TERMINAL_STATUSES] : [s]));
  if (expanded?.some((s) => !isStatus(s))) champs.statut = `Statut inconnu : attendu ${STATUSES.join(', ')}, a_faire ou termines.`;
  const tri = (query.tri ?? 'id') as WorklistSort;
  if (!SORTS.includes(tri)) champs.tri = `Tri inconnu : attendu ${SORTS.join(', ')}.`;
  const agent = query.agent === undefined || query.agent === '' ? undefined : query.agent === 'moi' ? actor.compteId : query.agent === 'aucun' ? null : query.agent;
  if (typeof agent === 'string' && !/^[0-9a-f-]{36}$/i.test(agent)) champs.agent = 'Agent inconnu : attendu moi, aucun ou un identifiant de compte.';
  if (Object.keys(champs).length) return { ok: false, status: 400, erreur: 'Certains filtres sont invalides : corrigez les champs signalés.', champs } as Failure;
  const months = cohorts.filter((c) => c.programme === programme).map((c) => c.periode).sort().reverse();
  const mois = query.mois ?? months[0];
  const taille = Math.min(Math.max(query.taille ?? 50, 1), 200);
  const page = Math.max(query.page ?? 1, 1);
  const base = {
    organisations, organisation, programmes: programmesList.map((p) => vocabularyOf(p)),
    mois: months, statuts: STATUSES.map((s) => ({ code: s, libelle: STATUS_LABELS[s], termine: isTerminal(s) })),
  };
  if (!programme || !mois) {
    return { ok: true as const, ...base, programme: programme ?? null, periode: mois ?? null, page, taille, total: 0, restants: 0, parStatut: {}, lignes: [] };
  }
  const filter = { organisation, programme, periode: mois, statuts: expanded, agent };
  // The per-status counts (one index-only scan of the cohort) give the total too: no separate count(*).
  const [rows, parStatut] = await Promise.all([
    worklistRepository.page(db, filter, tri, (page - 1) * taille, taille),
    worklistRepository.countsByStatus(db, filter),
  ]);
  const total = Object.entries(parStatut).filter(([s]) => !expanded || expanded.includes(s)).reduce((n, [, c]) => n + c, 0);
  const restants = Object.entries(parStatut).filter(([s]) => isStatus(s) && !isTerminal(s)).reduce((n, [, c]) => n + c, 0);
  const prog = findProgramme(programmes(), programme);
  const lignes = rows.map((r) => {
    const fields = prog && r.champs ? visibleFields(prog, r.origine, r.champs) : {};
    const shown: Record<string, string> = {};
    for (const f of LIST_FIELDS) if (fields[f] !== undefined) shown[f] = fields[f];
    return {
      id: String(r.id), statut: r.statut, statutLibelle: STATUS_LABELS[r.statut as Status] ?? r.statut, termine: isStatus(r.statut) && isTerminal(r.statut),
      version: r.version, appelable: r.appelable, champs: shown, aRisque: prog && r.champs ? riskProfile(prog, r.champs).atRisk : false,
      agent: r.agent_id ? { id: r.agent_id, nom: r.agent_nom ?? '' } : null,
      dernierEvenementLe: r.dernier_evenement_le ? new Date(r.dernier_evenement_le as unknown as string).toISOString() : null,
    };
  });
  if (lignes.length > 0) {
    await audit(db, actor, 'liste.consultation', { type: 'liste', id: `${organisation}/${programme}/${mois}` }, { page, taille, lignes: lignes.length });
  }
  return { ok: true as const, ...base, programme, periode: mois, page, taille, total, restants, parStatut, lignes };
}

/** What an agent has to do: her lists with people still to be worked (counts only: no audit of personal data). */
export async function agentToDo(db: Kysely<DB>, actor: Actor) {
  const organisations = await actorWorklists(db, actor);
  const rows = await worklistRepository.toDo(db, organisations, 12);
  return rows.filter((r) => r.a_traiter > 0).map((r) => ({
    organisation: r.organisation, programme: r.programme, programmeTitre: findProgramme(programmes(), r.programme)?.titre ?? r.programme,
    mois: r.periode, aTraiter: r.a_traiter, total: r.total,
  }));
}

async function contactInScope(db: Kysely<DB>, actor: Actor, id: string) {
  const contact = await outreachRepository.contact(db, id);
  const organisations = await actorWorklists(db, actor);
  if (!contact || !organisations.includes(contact.organisation_code)) return { ok: false, status: 404, erreur: 'Personne introuvable sur vos listes de travail.' } as Failure;
  if (contact.detruit_le || !contact.champs) return { ok: false, status: 410, erreur: 'Les données de cette personne ont été détruites (durée de conservation atteinte).' } as Failure;
  return { ok: true as const, contact, organisations };
}

export async function personPage(db: Kysely<DB>, actor: Actor, id: string) {
  const scope = await contactInScope(db, actor, id);
  if (!scope.ok) return scope;
  const { contact } = scope;
  const programme = programmeOf(contact.programme);
  const champs = contact.champs!;
  const origine = await worklistRepository.origin(db, contact.id);
  const [events, orientations] = await Promise.all([outreachRepository.events(db, contact.id), worklistRepository.orientations(db, contact.id)]);
  const names = await worklistRepository.accountNames(db, [...new Set([...events.map((e) => e.auteur_id), contact.agent_id].filter((x): x is string => !!x))]);
  const status = (isStatus(contact.statut) ? contact.statut : 'a_contacter') as Status;
  const callable = isCallable(programme, champs);
  const channels = {
    email: programme.canaux.some((c) => c.canal === 'courriel') && riskRefusal(programme, champs, 'offre_email_envoyee') === null,
    courrier: programme.canaux.some((c) => c.canal === 'courrier') && riskRefusal(programme, champs, 'offre_courrier_envoyee') === null,
  };
  const risk = riskProfile(programme, champs);
  await audit(db, actor, 'contact.consultation', { type: 'contact', id: contact.id }, { programme: contact.programme, periode: contact.periode });
  return {
    ok: true as const,
    contact: {
      id: contact.id, organisation: contact.organisation_code, programme: contact.programme, programmeTitre: programme.titre, periode: contact.periode,
      statut: status, statutLibelle: STATUS_LABELS[status], termine: isTerminal(status), version: contact.version, appelable: callable,
      champs: visibleFields(programme, origine, champs), aRisque: risk.atRisk, canalSur: risk.safeChannel,
      agent: contact.agent_id ? { id: contact.agent_id, nom: names.get(contact.agent_id) ?? '' } : null,
      importeLe: contact.importe_le.toISOString(), traiteLe: contact.traite_le?.toISOString() ?? null, echeance: contact.echeance,
    },
    evenements: events.map((e) => ({
      id: e.id, code: e.code, libelle: eventLabel(programme, e.code), detail: e.detail,
      detailLibelle: detailLabel(programme, e.code, e.detail),
      survenuLe: e.survenu_le.toISOString(), origine: e.origine, auteur: e.auteur_id ? names.get(e.auteur_id) ?? null : null,
    })),
    orientations: orientations.map((o) => ({
      id: String(o.id), partenaire: o.partenaire, partenaireLibelle: PARTNER_LABELS[o.partenaire as OrientationPartner] ?? o.partenaire,
      partenaireOrganisation: o.partenaire_organisation, statut: o.statut, statutLibelle: ORIENTATION_STATUS_LABELS[o.statut], version: o.version,
      creeLe: new Date(o.cree_le as unknown as string).toISOString(),
    })),
    actions: nextActions(programme, status, { callable, channels }).map((code) => actionOf(programme, code)),
    script: callScript(programme),
  };
}

/** A button of the person page: the event's code, label, button text and the detail it asks for. */
function actionOf(programme: Programme, code: string) {
  const e = eventOf(programme, code)!;
  return {
    code, libelle: e.libelle, bouton: e.action ?? e.libelle, genre: e.genre, canal: e.canal ?? null, detail: e.detail,
    partenaires: (e.partenaires ?? []).map((p) => ({ code: p, libelle: PARTNER_LABELS[p] })),
  };
}

export async function recordEventAs(db: Kysely<DB>, actor: Actor, id: string, body: { code: string; detail?: string | null; survenuLe?: string; version: number }, now = new Date()) {
  const scope = await contactInScope(db, actor, id);
  if (!scope.ok) return scope;
  const occurredAt = body.survenuLe ? new Date(body.survenuLe) : now;
  try {
    const r = await db.transaction().execute(async (trx) => {
      const result = await recordEvent(trx, {
        contactId: id, code: body.code, detail: body.detail, occurredAt, authorId: actor.compteId, origin: 'agent', expectedVersion: body.version, now,
      });
      await audit(trx, actor, 'contact.evenement', { type: 'contact', id }, { code: body.code, statut: result.status });
      return result;
    });
    return { ok: true as const, evenementId: r.eventId, statut: r.status, statutLibelle: STATUS_LABELS[r.status], version: r.version };
  } catch (error) {
    if (error instanceof VersionConflict) return { ok: false, status: 409, erreur: error.message } as Failure;
    if (error instanceof OutreachRuleError) return { ok: false, status: 422, erreur: error.message } as Failure;
    throw error;
  }
}

export async function assignableAgents(db: Kysely<DB>, actor: Actor) {
  const organisations = await actorWorklists(db, actor);
  return worklistRepository.agents(db, organisations);
}

/**
 * Assigns (or unassigns with agent null) contacts in bulk; only to an active agent of a workable
 * organisation. `vus` gives, per contact, the agent the caller saw (null: not assigned): a contact
 * assigned to someone else in between is a conflict, not overwritten. Without it, only contacts not
 * assigned (or already this agent's) are taken. When two agents assign the same person at once,
 * one gets it and the other a conflict (409 when nothing at all could be assigned).
 */
export async function assignContacts(db: Kysely<DB>, actor: Actor, ids: string[], agent: string | null, vus?: Record<string, string | null>) {
  const organisations = await actorWorklists(db, actor);
  if (organisations.length === 0) return { ok: false, status: 403, erreur: "Seuls les agents peuvent attribuer des personnes." } as Failure;
  if (agent !== null && !(await worklistRepository.agents(db, organisations)).some((a) => a.id === agent)) {
    return { ok: false, status: 400, erreur: "Cet agent ne peut pas travailler ces listes.", champs: { agent: 'Agent inconnu ou sans accès à ces listes.' } } as Failure;
  }
  const valid = [...new Set(ids.filter((i) => /^\d{1,18}$/.test(i)))];
  const { attribues, conflits } = await db.transaction().execute(async (trx) => {
    const groups = new Map<string | null | undefined, string[]>();
    for (const id of valid) {
      const seen = vus && Object.hasOwn(vus, id) ? vus[id] : undefined;
      groups.set(seen, [...(groups.get(seen) ?? []), id]);
    }
    const updated: string[] = [];
    for (const [seen, group] of groups) updated.push(...await worklistRepository.assign(trx, group, organisations, agent, seen));
    const done = new Set(updated);
    const conflits = await worklistRepository.assignedElsewhere(trx, valid.filter((id) => !done.has(id)), organisations, agent);
    await audit(trx, actor, 'liste.attribution', null, { nombre: updated.length, agent_compte: agent, ...(conflits ? { conflits } : {}) });
    return { attribues: updated.length, conflits };
  });
  if (attribues === 0 && conflits > 0) {
    return {
      ok: false, status: 409,
      erreur: conflits === 1
        ? 'Cette personne vient d’être attribuée à un autre agent : rechargez la liste pour voir qui la suit.'
        : `Ces ${conflits} personnes viennent d’être attribuées à un autre agent : rechargez la liste pour voir qui les suit.`,
    } as Failure;
  }
  return { ok: true as const, attribues, conflits, ignores: ids.length - attribues - conflits };
}

const ORIENTATION_ORDER: Record<OrientationStatus, number> = { envoyee: 0, acceptee: 1, realisee: 2 };

export async function updateOrientation(db: Kysely<DB>, actor: Actor, id: string, body: { statut: OrientationStatus; version: number }, now = new Date()) {
  const organisations = await actorWorklists(db, actor);
  return db.transaction().execute(async (trx) => {
    const o = await worklistRepository.orientation(trx, id);
    if (!o || !organisations.includes(o.organisation_code)) return { ok: false, status: 404, erreur: 'Orientation introuvable.' } as Failure;
    if (o.version !== body.version) return { ok: false, status: 409, erreur: "Cette orientation a été modifiée par un autre agent : rechargez la fiche puis recommencez. Rien n'a été enregistré." } as Failure;
    if (!ORIENTATION_STATUSES.includes(body.statut) || ORIENTATION_ORDER[body.statut] <= ORIENTATION_ORDER[o.statut as OrientationStatus]) {
      return { ok: false, status: 422, erreur: `Une orientation « ${ORIENTATION_STATUS_LABELS[o.statut as OrientationStatus]} » ne peut pas revenir ou rester à « ${ORIENTATION_STATUS_LABELS[body.statut] ?? body.statut} » : elle avance de envoyée à acceptée puis réalisée.` } as Failure;
    }
    const version = await worklistRepository.updateOrientation(trx, id, body.version, body.statut, now);
    if (version === null) return { ok: false, status: 409, erreur: "Cette orientation a été modifiée par un autre agent : rechargez la fiche." } as Failure;
    await audit(trx, actor, 'orientation.statut', { type: 'orientation', id }, { statut: body.statut, partenaire: o.partenaire });
    return { ok: true as const, statut: body.statut, version };
  });
}

/** Closes a month's worklist: every person not yet processed is processed today (destruction one month later). */
export async function closeWorklist(db: Kysely<DB>, actor: Actor | null, cohort: { organisation: string; programme: string; mois: string }, now = new Date()) {
  if (actor) {
    const organisations = await actorWorklists(db, actor);
    if (!organisations.includes(cohort.organisation)) return { ok: false, status: 403, erreur: 'Vous ne pouvez pas clore les listes de cet organisme.' } as Failure;
  }
  if (!isIsoMonth(cohort.mois)) return { ok: false, status: 400, erreur: 'Mois invalide : attendu AAAA-MM.', champs: { mois: 'Mois invalide.' } } as Failure;
  const programme = findProgramme(programmes(), cohort.programme);
  if (!programme) return { ok: false, status: 400, erreur: `Programme « ${cohort.programme} » inconnu.`, champs: { programme: 'Programme inconnu.' } } as Failure;
  const deadline = addMonths(toIsoDate(now), programme.conservation.apresTraitementMois);
  const clos = await db.transaction().execute(async (trx) => {
    const n = await worklistRepository.close(trx, { organisation: cohort.organisation, programme: cohort.programme, periode: cohort.mois }, now, deadline);
    await recordAudit(trx, {
      action: 'liste.cloture', acteur: actor ? { compteId: actor.compteId, organisation: actor.organisation.code } : null,
      cible: { type: 'liste', id: `${cohort.organisation}/${cohort.programme}/${cohort.mois}` }, details: { traites: n, echeance: deadline },
    });
    return n;
  });
  return { ok: true as const, traites: clos, echeance: deadline };
}
