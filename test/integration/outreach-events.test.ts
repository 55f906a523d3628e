import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { OutreachRuleError, recordEvent, seedDemoOutreach, VersionConflict } from '../../src/outreach/index.ts';
import { freshDatabase } from '../helpers/database.ts';
import { insertContact } from './outreach-support.ts';

let database: Database & { drop(): Promise<void> };
const at = (iso: string) => new Date(iso);
const base = { authorId: null, origin: 'agent' as const, now: at('2026-11-24T12:00:00Z') };

beforeAll(async () => { database = await freshDatabase(); });
afterAll(async () => { await database.drop(); });

async function contactState(id: string) {
  return database.db.selectFrom('contacts').select(['statut', 'version', 'traite_le', sql`echeance::text`.as('echeance')]).where('id', '=', id).executeTakeFirstOrThrow();
}
import { sql } from 'kysely';

describe('recordEvent (front door)', () => {
  it('records a call, acceptance, appointment and honoured appointment, deriving the status and the deadline', async () => {
    const id = await insertContact(database.db, { seed: 'parcours' });
    const steps: [string, string | undefined, string][] = [
      ['appel_joint', undefined, 'joint'], ['offre_acceptee', undefined, 'accepte'], ['rdv_pris', '2026-12-03T09:30', 'rdv_pris'], ['rdv_honore', undefined, 'rdv_honore'],
    ];
    let version = 0;
    for (const [i, [code, detail, status]] of steps.entries()) {
      const r = await recordEvent(database.db, { ...base, contactId: id, code, detail, occurredAt: at(`2026-11-1${i}T10:00:00Z`), expectedVersion: version });
      expect(r.status).toBe(status);
      expect(r.version).toBe(version + 1);
      version = r.version;
    }
    const state = await contactState(id);
    expect(state.statut).toBe('rdv_honore');
    expect(state.traite_le).not.toBeNull();
    expect(state.echeance).toBe('2026-12-24');
    const events = await database.db.selectFrom('evenements').select(['code', 'detail', 'periode', 'organisation_code']).where('contact_id', '=', id).execute();
    expect(events.map((e) => e.code)).toEqual(['appel_joint', 'offre_acceptee', 'rdv_pris', 'rdv_honore']);
    expect(events[2]!.detail).toBe('2026-12-03T09:30');
    expect(events[0]!.periode).toBe('2026-11');
  });

  it('refuses a call without a valid number or without authorisation', async () => {
    const noPhone = await insertContact(database.db, { champs: { email: 'x@example.org', telephone: '', code_postal: '83000' } });
    await expect(recordEvent(database.db, { ...base, contactId: noPhone, code: 'appel_joint', occurredAt: at('2026-11-20T10:00:00Z') }))
      .rejects.toThrow(/aucun numéro/);
    const badPhone = await insertContact(database.db, { champs: { telephone: '0100', code_postal: '83000' } });
    await expect(recordEvent(database.db, { ...base, contactId: badPhone, code: 'appel_non_joint', occurredAt: at('2026-11-20T10:00:00Z') }))
      .rejects.toThrow(/n’est pas valide/);
    const refused = await insertContact(database.db, {
      programme: 'separation', origine: 'extrait', organisation: 'caf-83',
      champs: { telephone: '0612345678', autorisation_contact_telephone: 'non', risque_violence: 'non' },
    });
    const error = await recordEvent(database.db, { ...base, contactId: refused, code: 'appel_joint', occurredAt: at('2026-11-20T10:00:00Z') }).catch((e) => e);
    expect(error).toBeInstanceOf(OutreachRuleError);
    expect(error.message).toMatch(/pas autorisé le contact par téléphone/);
    expect(await database.db.selectFrom('evenements').select('id').where('contact_id', 'in', [noPhone, badPhone, refused]).execute()).toHaveLength(0);
    // An e-mail offer is not a call: allowed.
    expect((await recordEvent(database.db, { ...base, contactId: noPhone, code: 'offre_email_envoyee', origin: 'courriel', occurredAt: at('2026-11-20T10:00:00Z') })).status).toBe('offre_envoyee');
  });

  it('an opposition stops every later contact for the programme, in every cohort, but history before it can be recorded', async () => {
    const october = await insertContact(database.db, { seed: 'opposant', periode: '2026-10' });
    const november = await insertContact(database.db, { seed: 'opposant', periode: '2026-11' });
    const r = await recordEvent(database.db, { ...base, contactId: october, code: 'opposition', occurredAt: at('2026-11-05T10:00:00Z') });
    expect(r.status).toBe('opposition');
    for (const code of ['appel_joint', 'offre_email_envoyee', 'rdv_pris', 'offre_acceptee']) {
      await expect(recordEvent(database.db, { ...base, contactId: november, code, detail: code === 'rdv_pris' ? '2026-12-01' : undefined, occurredAt: at('2026-11-06T10:00:00Z') }))
        .rejects.toThrow(/opposée à tout nouveau contact/);
    }
    // A call that happened before the opposition (imported late) is history: kept, the status stays « opposition ».
    const past = await recordEvent(database.db, { ...base, contactId: october, code: 'appel_non_joint', origin: 'import', occurredAt: at('2026-11-01T10:00:00Z') });
    expect(past.status).toBe('opposition');
    await expect(recordEvent(database.db, { ...base, contactId: october, code: 'opposition', occurredAt: at('2026-11-07T10:00:00Z') })).rejects.toThrow(/déjà enregistrée/);
    // Another programme of the same person is not affected.
    const other = await insertContact(database.db, { seed: 'opposant', programme: 'separation', organisation: 'caf-83', origine: 'extrait' });
    expect((await recordEvent(database.db, { ...base, contactId: other, code: 'offre_email_envoyee', occurredAt: at('2026-11-06T10:00:00Z') })).status).toBe('offre_envoyee');
  });

  it('a person at risk of violence is only contacted on their safe channel', async () => {
    const safeEmail = await insertContact(database.db, {
      programme: 'separation', organisation: 'caf-83', origine: 'extrait',
      champs: { email: 'foyer@example.org', telephone: '0612345678', autorisation_contact_telephone: 'oui', autorisation_contact_email: 'oui', risque_violence: 'oui', canal_sur: 'email', canal_sur_valeur: 'sur@example.org' },
    });
    await expect(recordEvent(database.db, { ...base, contactId: safeEmail, code: 'appel_joint', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/canal sûr \(courriel\)/);
    await expect(recordEvent(database.db, { ...base, contactId: safeEmail, code: 'offre_courrier_envoyee', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/aucun courrier/);
    expect((await recordEvent(database.db, { ...base, contactId: safeEmail, code: 'offre_email_envoyee', occurredAt: at('2026-11-20T10:00:00Z') })).status).toBe('offre_envoyee');
    const safePhone = await insertContact(database.db, {
      programme: 'separation', organisation: 'caf-83', origine: 'extrait',
      champs: { email: 'foyer@example.org', telephone: '0100', autorisation_contact_telephone: 'non', risque_violence: 'oui', canal_sur: 'telephone', canal_sur_valeur: '0698765432' },
    });
    expect((await recordEvent(database.db, { ...base, contactId: safePhone, code: 'appel_joint', occurredAt: at('2026-11-20T10:00:00Z') })).status).toBe('joint');
    await expect(recordEvent(database.db, { ...base, contactId: safePhone, code: 'offre_email_envoyee', occurredAt: at('2026-11-20T11:00:00Z') })).rejects.toThrow(/canal sûr \(téléphone\)/);
    const noSafe = await insertContact(database.db, { programme: 'separation', organisation: 'caf-83', origine: 'extrait', champs: { email: 'foyer@example.org', risque_violence: 'oui', canal_sur: '', canal_sur_valeur: '' } });
    await expect(recordEvent(database.db, { ...base, contactId: noSafe, code: 'offre_email_envoyee', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/sans canal sûr/);
  });

  it('two agents editing the same person: the second gets a VersionConflict, nothing is lost', async () => {
    const id = await insertContact(database.db, { seed: 'conflit' });
    const [a, b] = await Promise.allSettled([
      recordEvent(database.db, { ...base, contactId: id, code: 'appel_joint', occurredAt: at('2026-11-20T10:00:00Z'), expectedVersion: 0 }),
      recordEvent(database.db, { ...base, contactId: id, code: 'appel_non_joint', occurredAt: at('2026-11-20T10:01:00Z'), expectedVersion: 0 }),
    ]);
    const outcomes = [a, b].map((o) => o.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [a, b].find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(VersionConflict);
    expect(rejected.reason.message).toMatch(/modifiée par un autre agent/);
    expect(await database.db.selectFrom('evenements').select('id').where('contact_id', '=', id).execute()).toHaveLength(1);
    expect((await contactState(id)).version).toBe(1);
  });

  it('checks the detail: appointment date, orientation partner, accompaniment service; an orientation creates a referral', async () => {
    const id = await insertContact(database.db, { seed: 'details' });
    await expect(recordEvent(database.db, { ...base, contactId: id, code: 'rdv_pris', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/date du rendez-vous est obligatoire/);
    await expect(recordEvent(database.db, { ...base, contactId: id, code: 'rdv_pris', detail: '2026-02-30', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/date du rendez-vous invalide/);
    await expect(recordEvent(database.db, { ...base, contactId: id, code: 'orientation', detail: 'mairie', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/partenaire d'orientation inconnu/);
    await expect(recordEvent(database.db, { ...base, contactId: id, code: 'accompagnement_debute', detail: 'c2s', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/service d'accompagnement inconnu/);
    await expect(recordEvent(database.db, { ...base, contactId: id, code: 'rappel', occurredAt: at('2026-11-20T10:00:00Z') })).rejects.toThrow(/Événement inconnu/);
    const r = await recordEvent(database.db, { ...base, contactId: id, code: 'orientation', detail: 'misas', occurredAt: at('2026-11-20T10:00:00Z') });
    expect(r.status).toBe('oriente');
    const o = await database.db.selectFrom('orientations').selectAll().where('contact_id', '=', id).executeTakeFirstOrThrow();
    expect(o).toMatchObject({ partenaire: 'misas', partenaire_organisation: 'cpam-83', statut: 'envoyee', organisation_code: 'cpam-83' });
    const social = await recordEvent(database.db, { ...base, contactId: id, code: 'orientation', detail: 'caf_travailleur_social', occurredAt: at('2026-11-20T10:05:00Z') });
    expect(social.status).toBe('oriente');
    const caf = await database.db.selectFrom('orientations').select('partenaire_organisation').where('contact_id', '=', id).where('partenaire', '=', 'caf_travailleur_social').executeTakeFirstOrThrow();
    expect(caf.partenaire_organisation).toBe('caf-83');
  });
});

describe('seedDemoOutreach', () => {
  it('records realistic, rule-abiding events, deterministically and only once', async () => {
    const fresh = await freshDatabase();
    try {
      for (const periode of ['2026-09', '2026-10', '2026-11']) {
        for (let i = 0; i < 150; i++) {
          await insertContact(fresh.db, {
            seed: `demo-${periode}-${i}`, periode, importeLe: new Date(`${periode}-05T08:00:00Z`),
            champs: { email: i % 9 === 0 ? '' : `d${i}@example.org`, telephone: i % 4 === 3 ? '' : '0612345678', code_postal: '83000' },
          });
        }
      }
      const first = await seedDemoOutreach(fresh.db, { today: '2026-11-24' });
      expect(first.contacts).toBeGreaterThan(300);
      const again = await seedDemoOutreach(fresh.db, { today: '2026-11-24' });
      expect(again).toEqual({ contacts: 0, evenements: 0 });
      const people = async (codes: string[], periode: string) => Number((await fresh.db.selectFrom('evenements').select(sql<string>`count(DISTINCT contact_id)`.as('n'))
        .where('code', 'in', codes).where('periode', '=', periode).executeTakeFirstOrThrow()).n);
      const phoned = await people(['appel_joint', 'appel_non_joint', 'appel_faux_numero'], '2026-09');
      const reached = await people(['appel_joint'], '2026-09');
      const honoured = await people(['rdv_honore'], '2026-09');
      expect(phoned).toBeGreaterThan(90);
      expect(reached / phoned).toBeGreaterThan(0.4);
      expect(reached / phoned).toBeLessThan(0.75);
      expect(honoured / phoned).toBeGreaterThan(0.08);
      expect(honoured / phoned).toBeLessThan(0.35);
      // No call for a person without a phone, nothing after an opposition, status consistent.
      const illegal = await fresh.db.selectFrom('evenements as e').innerJoin('contacts as c', 'c.id', 'e.contact_id').select('e.id')
        .where('e.code', 'like', 'appel_%').where(sql`c.champs->>'telephone'`, '=', '').execute();
      expect(illegal).toHaveLength(0);
      expect(await people(['rdv_honore'], '2026-11')).toBeLessThan(honoured);
      const statuses = await fresh.db.selectFrom('contacts').select(['statut', sql<string>`count(*)`.as('n')]).groupBy('statut').execute();
      expect(statuses.map((s) => s.statut)).toEqual(expect.arrayContaining(['a_contacter', 'joint', 'rdv_honore', 'a_rappeler']));
    } finally { await fresh.drop(); }
  }, 120_000);
});
