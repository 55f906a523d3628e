/**
 * Demo outreach: on the demo contacts (cpam-83 and the Nord CPAMs for the caregivers, the Cafs'
 * own separation lists, months 2026-09..2026-11), realistic events with proportions close to the
 * published funnels (Var 2023: 79 phoned → 46 reached → 18 appointments → 15 honoured;
 * Flandres: 109 phoned → 61 reached → 42 accepted → 28 honoured). Deterministic (a hash of the
 * contact's pseudonym drives every draw), idempotent (only contacts without any event are
 * touched), and bound by the same rules as an agent (calls only when callable, nothing after an
 * opposition, a person at risk only on the safe channel: checkEvent). Older months are fully
 * worked; the current month is half worked, so worklists show work in progress.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { findProgramme, retentionDeadline, toIsoDate } from '../programmes/index.ts';
import { programmes } from './events.ts';
import { registerOpposition } from './oppositions.ts';
import { checkEvent, isCallable, riskRefusal } from './rules.ts';
import { deriveStatus, isTerminal } from './status.ts';
import type { EventCode } from './vocabulary.ts';

export interface DemoOutreachReport { contacts: number; evenements: number }

const MONTHS = ['2026-09', '2026-10', '2026-11'];
const AGENT_BY_ORGANISATION: Record<string, string> = {
  'cpam-83': 'agent.ces83@passerelle.test',
  'cpam-59-flandres': 'agent.cpamflandres@passerelle.test',
  'caf-83': 'agent.caf83@passerelle.test',
  'caf-59': 'agent.caf59@passerelle.test',
};

/** A deterministic stream of uniform numbers from a seed. */
function draws(seed: string) {
  let counter = 0;
  return () => {
    const h = createHash('sha256').update(`${seed}:${counter++}`).digest();
    return h.readUInt32BE(0) / 2 ** 32;
  };
}

interface Planned { code: EventCode; detail: string | null; at: Date; origin: 'agent' | 'courriel' | 'courrier' }

/** The events of one person, by the funnel's proportions. */
export function planDemoEvents(input: {
  seed: string; programme: string; champs: Record<string, string>; importedAt: Date; today: Date; share: number;
}): Planned[] {
  const programme = findProgramme(programmes(), input.programme);
  if (!programme) return [];
  const u = draws(input.seed);
  const out: Planned[] = [];
  // A cohort imported only hours ago (the current month) is worked on a compressed clock: this morning's calls.
  const windowMs = input.today.getTime() - input.importedAt.getTime();
  const scale = Math.min(1, Math.max(0.02, windowMs / (20 * 86_400_000)));
  let t = input.importedAt.getTime() + 3_600_000 * 2 * scale;
  const step = (days: number) => { t += (days * 86_400_000 + Math.floor(u() * 6) * 3_600_000) * scale; return new Date(t); };
  const add = (code: EventCode, at: Date, origin: Planned['origin'] = 'agent', detail: string | null = null) => {
    if (at.getTime() > input.today.getTime()) return false;
    try { checkEvent({ programme, champs: input.champs, code, occurredAt: at, oppositionAt: out.find((e) => e.code === 'opposition')?.at ?? null }); } catch { return false; }
    out.push({ code, at, origin, detail });
    return true;
  };
  // The offer e-mail (sent by the Caf for the caregivers, by the Caf itself for separation).
  if ((input.champs.email ?? '') !== '' && riskRefusal(programme, input.champs, 'offre_email_envoyee') === null && u() < 0.92) {
    if (u() < 0.04) add('offre_email_echec', step(0), 'courriel', 'boîte inexistante');
    else add('offre_email_envoyee', step(0), 'courriel');
  }
  if (u() >= input.share) return out;
  if (!isCallable(programme, input.champs)) return out;
  // Calls: about 58 % reached (Var 46/79, Flandres 61/109), a few wrong numbers.
  let reached = false;
  for (let attempt = 0; attempt < 3 && !reached; attempt++) {
    const r = u();
    const at = step(attempt === 0 ? 2 + Math.floor(u() * 8) : 2);
    if (r < (attempt === 0 ? 0.46 : 0.3)) reached = add('appel_joint', at);
    else if (attempt === 0 && r > 0.93) { add('appel_faux_numero', at); return out; }
    else if (!add('appel_non_joint', at)) return out;
    if (attempt === 0 && !reached && u() < 0.5) break;
  }
  if (!reached) return out;
  const answer = u();
  if (answer < 0.04) { add('opposition', step(0)); return out; }
  if (answer < 0.12) { add('offre_refusee', step(0)); return out; }
  if (answer > 0.80) return out; // thinking it over
  // Acceptance: Flandres 42 of 61 reached.
  add('offre_acceptee', step(0));
  // Appointments: Var 18 taken of 46 reached, 15 honoured of 18; Flandres 28 honoured of 61 reached.
  if (u() > 0.68) return out;
  const rdv = new Date(t + (7 + Math.floor(u() * 14)) * 86_400_000);
  if (!add('rdv_pris', step(0), 'agent', toIsoDate(rdv))) return out;
  t = rdv.getTime() + 10 * 3_600_000;
  const h = u();
  if (!add(h < 0.83 ? 'rdv_honore' : h < 0.93 ? 'rdv_non_honore' : 'rdv_annule', new Date(t))) return out;
  if (h >= 0.83) return out;
  // After the appointment: Var 2024, 5 orientations to the social service and 2 MisAS accompaniments for 14 honoured.
  const o = u();
  const partner = input.programme === 'separation' ? (o < 0.3 ? 'misas' : o < 0.45 ? 'aripa' : null) : (o < 0.3 ? 'service_social' : o < 0.45 ? 'misas' : null);
  if (partner && add('orientation', step(0), 'agent', partner) && partner === 'misas' && u() < 0.6) add('accompagnement_debute', step(10), 'agent', 'misas');
  return out;
}

export async function seedDemoOutreach(db: Kysely<DB>, options: { today: Date | string }): Promise<DemoOutreachReport> {
  const today = new Date(options.today);
  const currentMonth = toIsoDate(today).slice(0, 7);
  const organisations = Object.keys(AGENT_BY_ORGANISATION).concat(['cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing', 'cpam-59-hainaut']);
  const agents = new Map((await db.selectFrom('comptes').select(['id', 'email']).where('email', 'in', Object.values(AGENT_BY_ORGANISATION)).execute()).map((a) => [a.email, a.id]));
  const contacts = await db.selectFrom('contacts as c')
    .select(['c.id', 'c.organisation_code', 'c.programme', 'c.periode', 'c.pseudonyme', 'c.champs', 'c.importe_le', sql<string>`c.echeance::text`.as('echeance'), 'c.version'])
    .where('c.organisation_code', 'in', organisations).where('c.periode', 'in', MONTHS).where('c.detruit_le', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('evenements as e').select('e.id').whereRef('e.contact_id', '=', 'c.id'))))
    .orderBy('c.id').execute();
  let evenements = 0;
  let touched = 0;
  for (let i = 0; i < contacts.length; i += 200) {
    const batch = contacts.slice(i, i + 200);
    await db.transaction().execute(async (trx) => {
      for (const c of batch) {
        const programme = findProgramme(programmes(), c.programme);
        if (!programme || !c.champs || !c.pseudonyme) continue;
        const share = c.periode === currentMonth ? 0.5 : c.periode < currentMonth ? 0.97 : 0;
        const plan = planDemoEvents({ seed: c.pseudonyme + c.periode, programme: c.programme, champs: c.champs, importedAt: new Date(c.importe_le), today, share });
        if (plan.length === 0) continue;
        const author = agents.get(AGENT_BY_ORGANISATION[c.organisation_code] ?? '') ?? null;
        const inserted = await trx.insertInto('evenements').values(plan.map((p) => ({
          contact_id: c.id, organisation_code: c.organisation_code, programme: c.programme, periode: c.periode, code: p.code, detail: p.detail,
          survenu_le: p.at, enregistre_le: p.at as never, auteur_id: p.origin === 'agent' ? author : null, origine: p.origin,
        }))).returning(['id', 'code', 'detail', 'survenu_le']).execute();
        for (const e of inserted.filter((x) => x.code === 'orientation')) {
          const partner = e.detail!;
          const partnerOrg = partner === 'misas' ? (c.organisation_code.startsWith('cpam') ? c.organisation_code : null) : partner === 'aripa' ? c.organisation_code : null;
          await trx.insertInto('orientations').values({
            contact_id: c.id, evenement_id: e.id, organisation_code: c.organisation_code, programme: c.programme, partenaire: partner,
            partenaire_organisation: partnerOrg, cree_le: e.survenu_le as never, modifie_le: e.survenu_le as never,
            statut: (Number(e.id) % 3 === 0 ? 'realisee' : Number(e.id) % 3 === 1 ? 'acceptee' : 'envoyee') as never,
          }).execute();
        }
        const opposed = plan.find((p) => p.code === 'opposition');
        if (opposed) await registerOpposition(trx, { organisation: c.organisation_code, programme, pseudonyme: c.pseudonyme, opposedAt: opposed.at, now: today });
        const status = deriveStatus(programme, plan);
        const last = plan.reduce((m, p) => (p.at > m ? p.at : m), plan[0]!.at);
        const traite = isTerminal(status) ? last : null;
        const echeance = traite ? retentionDeadline({ importedAt: c.importe_le, processedAt: traite }, programme.conservation) : c.echeance;
        await trx.updateTable('contacts').set({
          statut: status, dernier_evenement_le: last, traite_le: traite, version: sql`version + 1`,
          echeance: (echeance < c.echeance ? echeance : c.echeance),
          agent_id: author && plan.some((p) => p.origin === 'agent') ? author : null,
        }).where('id', '=', c.id).execute();
        evenements += plan.length;
        touched++;
      }
    });
  }
  return { contacts: touched, evenements };
}
