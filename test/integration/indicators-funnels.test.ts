/**
 * The three published funnels of SPEC §1 (IT 2025-098: Var 2023, Var 2024, Flandres) rebuilt from contacts and events
 * in the real tables, and the published counts and rates read back; cohort semantics; small-count suppression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/accounts/index.ts';
import {
  computeFunnel, computeTrend, formatRate, type FunnelResult, type ShownCount, type StageCode, type Viewer,
} from '../../src/indicators/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { FLANDRES, insertCohort, VAR_2023, VAR_2024 } from './indicators-fixtures.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
let database: Db;
const OPERATOR: Viewer = { kind: 'operator' };
const pilot = (code: string, type: string, role: 'pilote_local' | 'pilote_national' = 'pilote_local'): Viewer => ({
  kind: 'actor', actor: { compteId: '00000000-0000-0000-0000-000000000000', organisation: { code, nom: code, type }, roles: [role] } satisfies Actor,
});
const CPAM83 = pilot('cpam-83', 'cpam');
const CAF83 = pilot('caf-83', 'caf');
const CNAM = pilot('cnam', 'national', 'pilote_national');

const count = (f: { stages: { code: StageCode; count: ShownCount }[] }, code: StageCode) => f.stages.find((s) => s.code === code)!.count;
const rate = (f: FunnelResult, numerator: StageCode, denominator: StageCode) =>
  f.rates.find((r) => r.numerator === numerator && r.denominator === denominator)!.value;

beforeAll(async () => {
  database = await freshDatabase();
  expect(await insertCohort(database.db, VAR_2023)).toBe(111);
  expect(await insertCohort(database.db, VAR_2024)).toBe(175);
  expect(await insertCohort(database.db, FLANDRES)).toBe(109);
  // a small cohort of another organisation in the Var: what a pilot must not recover by subtraction
  await insertCohort(database.db, {
    organisation: 'caf-83', programme: 'aidants', months: ['2024-02'],
    profiles: [{ n: 5, appelable: true, events: [{ code: 'appel_joint', days: 1 }] }],
  });
});
afterAll(async () => { await database.drop(); });

describe(`published funnels rebuilt from event data (${ENGINE})`, () => {
  it('Var 2023: 111 targeted, 111 e-mailed, 79 phoned, 46 reached, 18 appointments, 15 honoured → 19 % = 15 / 79', async () => {
    const f = await computeFunnel(database.db, { programme: 'aidants', from: '2023-01', to: '2023-12', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    expect(f.masque).toBe(false);
    expect(Object.fromEntries(f.stages.map((s) => [s.code, s.count]))).toEqual({
      cibles: 111, offre_envoyee: 111, appelables: 79, appeles: 79, joints: 46, acceptants: 18, rdv_pris: 18, rdv_honores: 15, orientations: 0, accompagnements: 0,
    });
    expect(rate(f, 'rdv_honores', 'appeles')).toBe(0.189873);
    expect(formatRate(rate(f, 'rdv_honores', 'appeles'))).toBe('19 %');
    expect(rate(f, 'rdv_honores', 'joints')).toBe(0.326087);
    expect(rate(f, 'joints', 'appeles')).toBe(0.582278); // joignabilité 46 / 79
    expect(rate(f, 'rdv_honores', 'rdv_pris')).toBe(0.833333); // 15 / 18
    // the two mandatory rates come first and name their stages
    expect(f.rates.slice(0, 2).map((r) => `${r.numerator}/${r.denominator}`)).toEqual(['rdv_honores/appeles', 'rdv_honores/joints']);
  });

  it('Var 2024 (January–August): 175 identified, 122 e-mailed, 78 phoned, 14 honoured → 18 % = 14 / 78; 2 MisAS, 5 social service', async () => {
    const f = await computeFunnel(database.db, { programme: 'aidants', from: '2024-01', to: '2024-08', scope: { level: 'organisation', code: 'cpam-83' } }, CPAM83);
    expect(f.masque).toBe(false);
    expect(count(f, 'cibles')).toBe(175);
    expect(count(f, 'offre_envoyee')).toBe(122);
    expect(count(f, 'appeles')).toBe(78);
    expect(count(f, 'rdv_honores')).toBe(14);
    expect(count(f, 'accompagnements')).toBe(2);
    expect(count(f, 'orientations')).toBe(5);
    expect(rate(f, 'rdv_honores', 'appeles')).toBe(0.179487);
    expect(formatRate(rate(f, 'rdv_honores', 'appeles'))).toBe('17,9 %');
    expect(Math.round(rate(f, 'rdv_honores', 'appeles')! * 100)).toBe(18);
  });

  it('Flandres: 109 phoned, 61 reached, 42 accepted, 28 honoured → 45.9 % = 28 / 61 (destroyed contacts still counted)', async () => {
    const f = await computeFunnel(database.db, { programme: 'aidants', from: '2024-03', to: '2024-10', scope: { level: 'organisation', code: 'cpam-59-flandres' } }, OPERATOR);
    expect(count(f, 'appeles')).toBe(109);
    expect(count(f, 'joints')).toBe(61);
    expect(count(f, 'acceptants')).toBe(42);
    expect(count(f, 'rdv_honores')).toBe(28);
    expect(rate(f, 'rdv_honores', 'joints')).toBe(0.459016);
    expect(formatRate(rate(f, 'rdv_honores', 'joints'))).toBe('45,9 %');
    expect(Math.floor(rate(f, 'rdv_honores', 'joints')! * 100)).toBe(45); // published « 45 % »
    expect(rate(f, 'acceptants', 'joints')).toBe(0.688525); // 42 / 61
    expect(rate(f, 'joints', 'appeles')).toBe(0.559633); // 61 / 109
  });

  it('the month is the cohort: events count whenever they happen, in the month the person entered', async () => {
    // Var 2023's honoured appointments happen about three months after entry; December's cohort is honoured in 2024
    const months = await computeTrend(database.db, { programme: 'aidants', from: '2023-06', to: '2024-03', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    const byMonth = Object.fromEntries(months.mois.map((m) => [m.periode, count(m, 'rdv_honores')]));
    expect(Object.values(byMonth).reduce((a, b) => a! + b!, 0)).toBe(15 + countHonouredIn2024JanToMar());
    expect(byMonth['2023-12']).toBeGreaterThan(0); // honoured in March 2024, counted in December 2023's cohort
    const december = await computeFunnel(database.db, { programme: 'aidants', from: '2023-12', to: '2023-12', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    expect(count(december, 'rdv_honores')).toBe(byMonth['2023-12']);
    expect(months.mois.map((m) => count(m, 'cibles')).slice(0, 7).reduce((a, b) => a! + b!, 0)).toBe(111);
  });

  it('a person with several events of a kind counts once', async () => {
    // the 30 people called three times without answer count 30 times in « appelés », not 90
    const f = await computeFunnel(database.db, { programme: 'aidants', from: '2023-01', to: '2023-12', scope: { level: 'organisation', code: 'cpam-83' } }, OPERATOR);
    expect(count(f, 'appeles')).toBe(79);
    const events = await database.db.selectFrom('evenements').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organisation_code', '=', 'cpam-83').where('periode', '>=', '2023-01').where('periode', '<=', '2023-12')
      .where('code', 'in', ['appel_non_joint', 'appel_joint', 'appel_faux_numero']).executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(15 * 2 + 3 + 28 + 30 * 3 + 3);
  });
});

/** Var 2024 people honoured and entered in January–March 2024 (7-month cycle of the profiles: 14 people over 8 months). */
function countHonouredIn2024JanToMar(): number {
  // profiles of 2, 5 and 7 people spread over 8 months: person i enters in month i mod 8
  const inFirst3 = (n: number) => Array.from({ length: n }, (_, i) => i % 8).filter((m) => m < 3).length;
  return inFirst3(2) + inFirst3(5) + inFirst3(7);
}

describe(`small-count suppression outside the organisation (${ENGINE})`, () => {
  const year2024 = { programme: 'aidants', from: '2024-01', to: '2024-12' } as const;

  it('shows everything to the organisation itself, suppresses counts under 11 and their rates for the others', async () => {
    const own = await computeFunnel(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, CPAM83);
    expect(own.masque).toBe(false);
    expect(count(own, 'accompagnements')).toBe(2);
    const other = await computeFunnel(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, CAF83);
    expect(other.masque).toBe(true);
    expect(count(other, 'accompagnements')).toBeNull();
    expect(count(other, 'orientations')).toBeNull();
    for (const s of other.stages) if (s.count !== null) expect(s.count).toBeGreaterThanOrEqual(11);
    for (const r of other.rates) {
      const n = count(other, r.numerator);
      const d = count(other, r.denominator);
      if (n === null || d === null) expect(r.value).toBeNull();
    }
  });

  it('a pilot cannot recover a neighbour’s small count by subtracting their own figures from the département', async () => {
    // département 83 in 2024 = cpam-83 (175) + caf-83 (5): the CPAM pilot knows 175, so 180 would reveal 5
    const dep = await computeFunnel(database.db, { ...year2024, scope: { level: 'departement', code: '83' } }, CPAM83);
    expect(dep.masque).toBe(true);
    expect(count(dep, 'cibles')).toBeNull();
    // for the national pilot (who knows nothing), the département is shown and the CPAM is hidden instead
    const depNational = await computeFunnel(database.db, { ...year2024, scope: { level: 'departement', code: '83' } }, CNAM);
    expect(count(depNational, 'cibles')).toBe(180);
    const rows = Object.fromEntries(depNational.detail.map((d) => [d.perimetre.code, count(d, 'cibles')]));
    expect(rows).toEqual({ 'caf-83': null, 'cpam-83': null });
    const cpam = await computeFunnel(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, CNAM);
    expect(count(cpam, 'cibles')).toBeNull(); // the same cell as in the breakdown: no difference to exploit
  });

  it('no published total minus its visible parts gives back a hidden count of 1 to 10 (national pilot, every stage)', async () => {
    const national = await computeFunnel(database.db, { ...year2024, scope: { level: 'national' } }, CNAM);
    expect(count(national, 'cibles')).toBe(175 + 109 + 5);
    const check = (where: string, total: ShownCount, parts: ShownCount[]) => {
      if (total === null) return;
      // one hidden part alone is only acceptable when it holds nobody (a difference may reveal a zero, never 1 to 10)
      if (parts.filter((p) => p === null).length === 1) {
        expect(total - parts.reduce<number>((sum, p) => sum + (p ?? 0), 0), JSON.stringify({ where, total, parts })).toBe(0);
      }
    };
    for (const scope of [{ level: 'national' as const }, { level: 'region' as const, code: '93' }, { level: 'departement' as const, code: '83' }]) {
      const f = await computeFunnel(database.db, { ...year2024, scope }, CNAM);
      for (const s of f.stages) check(`${scope.level} ${s.code}`, s.count, f.detail.map((d) => count(d, s.code)));
    }
    // months against the year
    const trend = await computeTrend(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, CNAM);
    const year = await computeFunnel(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, CNAM);
    for (const s of year.stages) check(`year ${s.code}`, s.count, trend.mois.map((m) => count(m, s.code)));
  });

  it('refuses overlapping ranges outside the organisation, and readers who are not pilots', async () => {
    await expect(computeFunnel(database.db, { programme: 'aidants', from: '2024-01', to: '2024-08', scope: { level: 'organisation', code: 'cpam-83' } }, CNAM))
      .rejects.toThrow(/par mois ou par année civile entière/);
    const agent: Viewer = { kind: 'actor', actor: { compteId: 'x', organisation: { code: 'cpam-83', nom: 'x', type: 'cpam' }, roles: ['agent'] } };
    await expect(computeFunnel(database.db, { ...year2024, scope: { level: 'organisation', code: 'cpam-83' } }, agent)).rejects.toThrow(/pilotes/);
  });
});
