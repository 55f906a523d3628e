/**
 * Cohorts that never repeat a person (issue 9 §3): a person is counted once, in the cohort of the month they first
 * entered the list, even when a later cycle brought them again; a multi-month funnel equals the sum of its months;
 * destroyed contacts keep counting. And the programmes' own stages (PRADO, Carsat) counted by the generic engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFunnel, computeTrend, type FunnelResult, type Viewer } from '../../src/indicators/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { pseudo } from './outreach-support.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
let database: Db;
const OPERATOR: Viewer = { kind: 'operator' };
const NATIONAL: Viewer = {
  kind: 'actor', actor: { compteId: '00000000-0000-0000-0000-000000000000', organisation: { code: 'cnam', nom: 'Cnam', type: 'national' }, roles: ['pilote_national'] },
};

/** One contact of `seed` on the list of `periode`, with its events (codes) a few days after the month starts. */
async function person(p: { organisation?: string; programme?: string; periode: string; seed: string | null; appelable?: boolean; events?: [string, string?][] }) {
  const organisation = p.organisation ?? 'cpam-83';
  const programme = p.programme ?? 'aidants';
  const destroyed = p.seed === null;
  const c = await database.db.insertInto('contacts').values({
    organisation_code: organisation, programme, paquet_id: null, periode: p.periode,
    pseudonyme: destroyed ? null : pseudo(p.seed!), champs: destroyed ? (null as unknown as string) : JSON.stringify({ telephone: '0612345678' }),
    importe_le: new Date(`${p.periode}-02T08:00:00Z`), echeance: '2027-06-30', origine: 'extrait', appelable: p.appelable ?? true,
    detruit_le: destroyed ? new Date() : null,
  }).returning('id').executeTakeFirstOrThrow();
  let day = 3;
  for (const [code, detail] of p.events ?? []) {
    await database.db.insertInto('evenements').values({
      contact_id: String(c.id), organisation_code: organisation, programme, periode: p.periode, code, detail: detail ?? null,
      survenu_le: new Date(`${p.periode}-${String(day++).padStart(2, '0')}T10:00:00Z`), origine: 'import',
    }).execute();
  }
}

const count = (f: FunnelResult, code: string) => f.stages.find((s) => s.code === code)!.count;
const funnel = (from: string, to = from, programme = 'aidants', viewer: Viewer = OPERATOR, scope: Parameters<typeof computeFunnel>[1]['scope'] = { level: 'organisation', code: 'cpam-83' }) =>
  computeFunnel(database.db, { programme, from, to, scope }, viewer);

beforeAll(async () => {
  database = await freshDatabase();
  // November: 12 people. Eight are reached; two of them are brought again by December's cycle.
  for (let i = 0; i < 12; i++) {
    await person({ periode: '2026-11', seed: `p${i}`, events: i < 8 ? [['appel_joint'], ['offre_acceptee']] : [['appel_non_joint']] });
  }
  // December's cycle brings back p0..p5 (already followed: the integrator's import no longer does, old data did)
  // and 5 newcomers. p8 and p9, not reached in November, are reached through their December contact.
  for (let i = 0; i < 6; i++) await person({ periode: '2026-12', seed: `p${i}`, events: i < 2 ? [['rdv_pris', '2027-01-10'], ['rdv_honore']] : [] });
  for (const i of [8, 9]) await person({ periode: '2026-12', seed: `p${i}`, events: [['appel_joint']] });
  for (let i = 0; i < 5; i++) await person({ periode: '2026-12', seed: `n${i}`, appelable: false, events: [['offre_email_envoyee']] });
  // two destroyed contacts of December (pseudonym gone): still two people, through their cached fields and events
  await person({ periode: '2026-12', seed: null, appelable: true, events: [['appel_joint']] });
  await person({ periode: '2026-12', seed: null, appelable: false });
  // the same pseudonym at another organisation is another person (a person is followed by one organisation)
  await person({ organisation: 'cpam-59-flandres', periode: '2026-12', seed: 'p0', events: [['appel_joint']] });
});
afterAll(async () => { await database.drop(); });

describe(`a person counts once, in the month they first entered (${ENGINE})`, () => {
  it('November counts its 12 people, with the events of their December contacts', async () => {
    const nov = await funnel('2026-11');
    expect(count(nov, 'cibles')).toBe(12);
    expect(count(nov, 'joints')).toBe(10); // 8 in November + p8, p9 reached through their December contact
    expect(count(nov, 'appeles')).toBe(12);
    expect(count(nov, 'acceptants')).toBe(8);
    expect(count(nov, 'rdv_honores')).toBe(2); // p0, p1: honoured on their December contact
  });

  it('December counts only its newcomers and the destroyed contacts', async () => {
    const dec = await funnel('2026-12');
    expect(count(dec, 'cibles')).toBe(7); // 5 newcomers + 2 destroyed, never p0..p9 again
    expect(count(dec, 'offre_envoyee')).toBe(5);
    expect(count(dec, 'appelables')).toBe(1); // the destroyed callable one (newcomers are not callable)
    expect(count(dec, 'joints')).toBe(1);
    expect(count(dec, 'rdv_honores')).toBe(0);
  });

  it('the two-month funnel counts 19 people, not 27 contacts, and equals the sum of its months', async () => {
    const both = await funnel('2026-11', '2026-12');
    expect(count(both, 'cibles')).toBe(19);
    const contacts = await database.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organisation_code', '=', 'cpam-83').where('programme', '=', 'aidants').executeTakeFirstOrThrow();
    expect(Number(contacts.n)).toBe(27);
    const trend = await computeTrend(database.db, { programme: 'aidants', from: '2026-11', to: '2026-12', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    for (const stage of both.stages) {
      const sum = trend.mois.reduce((acc, m) => acc + (m.stages.find((s) => s.code === stage.code)!.count ?? 0), 0);
      expect({ stage: stage.code, count: sum }).toEqual({ stage: stage.code, count: stage.count });
    }
  });

  it('December alone, seen from a range starting in December, still leaves out November’s people', async () => {
    const fromDec = await funnel('2026-12', '2027-01');
    expect(count(fromDec, 'cibles')).toBe(7);
  });

  it('the same pseudonym at another organisation is another person', async () => {
    const flandres = await funnel('2026-12', '2026-12', 'aidants', OPERATOR, { level: 'organisation', code: 'cpam-59-flandres' });
    expect(count(flandres, 'cibles')).toBe(1);
    const national = await funnel('2026-11', '2026-12', 'aidants', OPERATOR, { level: 'national' });
    expect(count(national, 'cibles')).toBe(20);
  });
});

describe(`the programmes' own stages (${ENGINE})`, () => {
  beforeAll(async () => {
    const prado = (seed: string, events: [string, string?][]) => person({ programme: 'prado', periode: '2026-10', seed, appelable: false, events });
    for (let i = 0; i < 20; i++) {
      const events: [string, string?][] = [['prado_presente']];
      if (i < 14) events.push(['prado_adhesion']);
      else if (i < 18) events.push(['prado_refus']);
      if (i % 2 === 0) events.push(['tisf_proposee']);
      if (i < 12) events.push(['guide_caf_remis']);
      if (i < 5) events.push(['orientation_caf', 'caf_correspondant']);
      if (i < 2) events.push(['aide_domicile_debutee', 'tisf']);
      await prado(`m${i}`, events);
    }
    for (let i = 0; i < 3; i++) await prado(`absente${i}`, [['visite_impossible']]);
    const carsat = (seed: string, events: [string, string?][]) => person({ organisation: 'carsat-sud-est', programme: 'carsat-arret-91', periode: '2026-10', seed, events });
    for (let i = 0; i < 15; i++) {
      const events: [string, string?][] = [['offre_courrier_envoyee'], ['appel_joint']];
      if (i < 10) events.push(['offre_acceptee']);
      if (i < 6) events.push(['info_collective_inscrit', '2026-10-20'], ['info_collective_suivie']);
      else if (i < 8) events.push(['entretien_fixe', '2026-10-22T14:00'], ['evaluation_sociale']);
      if (i < 3) events.push(['accompagnement_debute', 'service_social'], ['accompagnement_clos']);
      await carsat(`a${i}`, events);
    }
  });

  it('PRADO: presentations, adhesions, TISF proposed, guides, orientations to the Caf, home help', async () => {
    const f = await computeFunnel(database.db, { programme: 'prado', from: '2026-10', to: '2026-10', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    expect(f.stages.map((s) => [s.code, s.count])).toEqual([
      ['cibles', 23], ['offre_envoyee', 20], ['acceptants', 14], ['tisf_proposee', 10], ['guide_remis', 12], ['orientations', 5], ['accompagnements', 2],
    ]);
    expect(f.rates.map((r) => [r.code, r.value])).toEqual([['adhesion-prado', 0.7], ['orientation-caf', 0.25], ['tisf-proposee', 0.5]]);
  });

  it('Carsat day 91: sessions and individual information are the honoured appointments; accompaniments count once closed', async () => {
    const f = await computeFunnel(database.db, { programme: 'carsat-arret-91', from: '2026-10', to: '2026-10', scope: { level: 'organisation', code: 'carsat-sud-est' } }, OPERATOR);
    expect(Object.fromEntries(f.stages.map((s) => [s.code, s.count]))).toEqual({
      cibles: 15, offre_envoyee: 15, appeles: 15, joints: 15, acceptants: 10, rdv_pris: 8, rdv_honores: 8, orientations: 0, accompagnements: 3,
    });
  });

  it('outside the organisation, the year is the sum of the months, small counts hidden', async () => {
    const year = await funnel('2026-01', '2026-12', 'prado', NATIONAL, { level: 'national' });
    expect(year.masque).toBe(true);
    expect(count(year, 'cibles')).toBe(23);
    expect(count(year, 'orientations')).toBeNull();
  });
});
