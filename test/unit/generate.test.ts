import { createRequire } from 'node:module';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGenerate } from '../../src/cli/commands/generate.ts';
import {
  C2S, DATA_QUALITY, generateExtracts, GenerateOptionsError, INVALIDITE, listDepartements,
  NATIONAL, planPeople, PRADO, samplePeople, SPEC_RATES, validateGenerateOptions, type GenerateReport, type KindCounts,
} from '../../src/generate/index.ts';
import { checkCell, checkHeader, EXTRACT_FORMATS, EXTRACT_KINDS, normalizeFrenchPhone, type ExtractKind } from '../../src/extracts/index.ts';
import { parseIsoDate } from '../../src/shared/calendar.ts';
import { checkNir } from '../../src/shared/nir.ts';

const require = createRequire(import.meta.url);
type Row = Record<string, string>;

interface RawCommune { code: string; nom: string; type: string; departement: string; codesPostaux?: string[]; population?: number }
const communes = new Map(
  (require('@etalab/decoupage-administratif/data/communes.json') as RawCommune[])
    .filter((c) => c.type === 'commune-actuelle')
    .map((c) => [c.code, c]),
);
const populationOf = (dept: string) =>
  [...communes.values()].filter((c) => c.departement === dept && (c.codesPostaux?.length ?? 0) > 0).reduce((s, c) => s + (c.population ?? 0), 0);

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-generate-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function readExtract(dir: string, kind: ExtractKind): Promise<{ header: string[]; rows: Row[] }> {
  const text = await readFile(join(dir, EXTRACT_FORMATS[kind].fileName), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  // a full CSV parser when a field is quoted, a plain split otherwise (much faster on big files)
  const records = text.includes('"')
    ? (parse(text, { delimiter: ';' }) as string[][])
    : text.slice(0, -1).split('\n').map((line) => line.split(';'));
  const header = records[0] ?? [];
  const width = header.length;
  expect(records.filter((r) => r.length !== width).length, kind).toBe(0);
  const rows = records.slice(1).map((r) => {
    const row: Row = {};
    for (let i = 0; i < width; i++) row[header[i] as string] = r[i] as string;
    return row;
  });
  return { header, rows };
}

const share = (rows: Row[], predicate: (r: Row) => boolean) => rows.filter(predicate).length / Math.max(1, rows.length);

// One dataset shared by most tests: Corse-du-Sud at 30 % of its volume (≈ 36 000 people), with
// more life events than the plan would give, so that every file has rows to check.
const MONTH = '2026-11';
let corse: { dir: string; report: GenerateReport; files: Record<ExtractKind, { header: string[]; rows: Row[] }> };

beforeAll(async () => {
  const dir = await tempDir();
  const report = await generateExtracts({
    departement: '2A', month: MONTH, outDir: dir, scale: 0.3, seed: 3,
    people: { separation: 200, ajpa: 150, ajpp: 50, naissance: 100, sortie_hospitalisation: 100 },
  });
  const files = {} as Record<ExtractKind, { header: string[]; rows: Row[] }>;
  for (const kind of EXTRACT_KINDS) files[kind] = await readExtract(dir, kind);
  corse = { dir, report, files };
}, 60_000);

describe('generated files', () => {
  it('writes one file per extract, with the header of its format and the row counts reported', async () => {
    expect((await readdir(corse.dir)).sort()).toEqual(EXTRACT_KINDS.map((k) => EXTRACT_FORMATS[k].fileName).sort());
    for (const kind of EXTRACT_KINDS) {
      const { header, rows } = corse.files[kind];
      expect(checkHeader(kind, header)).toBeNull();
      expect(corse.report.files.find((f) => f.kind === kind)?.rows).toBe(rows.length);
    }
    expect(corse.report.totalRows).toBe(EXTRACT_KINDS.reduce((s, k) => s + corse.files[k].rows.length, 0));
    expect(corse.report.peakRssBytes).toBeGreaterThan(0);
  });

  it('fills every cell according to its column definition (only raw contact columns may be malformed)', () => {
    for (const kind of EXTRACT_KINDS) {
      const format = EXTRACT_FORMATS[kind];
      for (const column of format.columns) {
        const bad = corse.files[kind].rows.map((r) => checkCell(column, r[column.name] ?? '')).filter((e) => e !== null);
        if ('raw' in column && column.raw) {
          const filled = corse.files[kind].rows.filter((r) => r[column.name] !== '').length;
          expect(bad.length / Math.max(1, filled), `${kind}.${column.name}`).toBeLessThan(0.06);
        } else {
          expect(bad.slice(0, 3), `${kind}.${column.name}`).toEqual([]);
        }
      }
    }
  });

  it('gives valid, unique NIRs', () => {
    const nirColumns: [ExtractKind, string][] = [
      ['caf_allocataires', 'nir'], ['cpam_assures', 'nir'], ['cpam_arrets_travail', 'nir'], ['cpam_sejours_maternite', 'nir_mere'],
      ['etablissements_signalements_sortie', 'nir'], ['carsat_retraites', 'nir'],
    ];
    for (const [kind, column] of nirColumns) {
      const nirs = corse.files[kind].rows.map((r) => r[column] as string);
      expect(nirs.filter((n) => !checkNir(n).valide), kind).toEqual([]);
    }
    for (const kind of ['caf_allocataires', 'cpam_assures', 'carsat_retraites'] as const) {
      const nirs = corse.files[kind].rows.map((r) => r.nir);
      expect(new Set(nirs).size, kind).toBe(nirs.length);
    }
  });

  it('agrees the NIR with the sex and date of birth', () => {
    const wrong = corse.files.cpam_assures.rows.filter((r) => {
      const nir = r.nir as string;
      return nir[0] !== (r.sexe === 'M' ? '1' : '2') || nir.slice(1, 5) !== `${r.date_naissance?.slice(2, 4)}${r.date_naissance?.slice(5, 7)}`;
    });
    expect(wrong).toEqual([]);
  });

  it('uses only real communes of the département with one of their real postal codes', () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const kind of EXTRACT_KINDS) {
      for (const r of corse.files[kind].rows) {
        if (r.code_commune === undefined) continue;
        const key = `${r.code_commune}|${r.code_postal}|${r.commune ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const commune = communes.get(r.code_commune);
        const ok = commune?.departement === '2A' && (commune.codesPostaux ?? []).includes(r.code_postal as string)
          && (r.commune === undefined || r.commune === commune.nom);
        if (!ok) wrong.push(`${kind}: ${key}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });

  it('keeps the joins between files: every event row refers to a person of the base file', () => {
    const allocataires = new Set(corse.files.caf_allocataires.rows.map((r) => `${r.departement_caf}|${r.numero_allocataire}`));
    expect(allocataires.size).toBe(corse.files.caf_allocataires.rows.length);
    expect([...allocataires].every((k) => /^2A\|\d{7}$/.test(k))).toBe(true);
    expect(corse.files.caf_separations.rows.length).toBeGreaterThan(0);
    expect(corse.files.caf_ajpa_ajpp.rows.length).toBeGreaterThan(0);
    for (const kind of ['caf_separations', 'caf_ajpa_ajpp'] as const) {
      expect(corse.files[kind].rows.filter((r) => !allocataires.has(`${r.departement_caf}|${r.numero_allocataire}`)), kind).toEqual([]);
    }
    const assures = new Set(corse.files.cpam_assures.rows.map((r) => r.nir));
    expect(corse.files.cpam_arrets_travail.rows.filter((r) => !assures.has(r.nir))).toEqual([]);
    expect(corse.files.cpam_sejours_maternite.rows.filter((r) => !assures.has(r.nir_mere))).toEqual([]);
    expect(corse.files.etablissements_signalements_sortie.rows.filter((r) => !assures.has(r.nir))).toEqual([]);
    const retraites = new Map(corse.files.carsat_retraites.rows.map((r) => [r.nir, r]));
    const signalesRetraites = corse.files.etablissements_signalements_sortie.rows.filter((s) => s.retraite === 'oui');
    expect(signalesRetraites.filter((r) => retraites.get(r.nir as string)?.gir !== r.gir)).toEqual([]);
    // the same person carries the same identity in every file
    const byNir = new Map(corse.files.caf_allocataires.rows.map((r) => [r.nir, r]));
    const fields = ['nom', 'prenom', 'date_naissance', 'code_postal', 'email', 'telephone'];
    const differing = corse.files.cpam_assures.rows.filter((r) => {
      const a = byNir.get(r.nir);
      return a !== undefined && fields.some((f) => a[f] !== r[f]);
    });
    expect(differing).toEqual([]);
  });

  it('dates the events of the month inside the month', () => {
    const inMonth = (d: string | undefined) => d !== undefined && d.startsWith(MONTH);
    expect(corse.files.caf_separations.rows.every((r) => inMonth(r.date_declaration) && (r.date_separation as string) <= (r.date_declaration as string))).toBe(true);
    expect(corse.files.caf_ajpa_ajpp.rows.every((r) => inMonth(r.date_demande) && (r.date_decision === '' || inMonth(r.date_decision)))).toBe(true);
    expect(corse.files.cpam_sejours_maternite.rows.every((r) => inMonth(r.date_accouchement))).toBe(true);
    expect(corse.files.etablissements_signalements_sortie.rows.every((r) => inMonth(r.date_signalement))).toBe(true);
  });

  it('gives every invalidity pensioner of cpam_assures one row of cpam_invalidite, with the current sick leave', () => {
    const invalides = new Set(corse.files.cpam_assures.rows.filter((r) => r.invalidite === 'oui').map((r) => r.nir));
    const rows = corse.files.cpam_invalidite.rows;
    expect(rows.length).toBeGreaterThan(100);
    expect(new Set(rows.map((r) => r.nir))).toEqual(invalides);
    expect(rows.length).toBe(invalides.size);
    const enCours = new Set(corse.files.cpam_arrets_travail.rows.filter((r) => r.date_fin_arret === '').map((r) => r.nir));
    expect(rows.filter((r) => (r.arret_travail_en_cours === 'oui') !== enCours.has(r.nir))).toEqual([]);
    const last = `${MONTH}-30`;
    expect(rows.filter((r) => (r.date_debut_pension_invalidite as string) > last)).toEqual([]);
  });

  it('follows every separation of the month at M + 4, one movement per kind and benefit', () => {
    const separations = new Map(corse.files.caf_separations.rows.map((r) => [`${r.departement_caf}|${r.numero_allocataire}`, r]));
    const suivi = corse.files.caf_suivi_separations.rows;
    const followed = new Set(suivi.map((r) => `${r.departement_caf}|${r.numero_allocataire}`));
    expect(followed).toEqual(new Set(separations.keys()));
    const keys = suivi.map((r) => `${r.departement_caf}|${r.numero_allocataire}|${r.mouvement}|${r.prestation}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of suivi) {
      const s = separations.get(`${r.departement_caf}|${r.numero_allocataire}`) as Row;
      expect([r.date_declaration, r.enfant_a_charge]).toEqual([s.date_declaration, s.enfant_a_charge]);
      expect(r.date_observation).toBe('2027-03-31');
      if (r.mouvement === 'aucun') expect([r.prestation, r.date_effet, r.montant]).toEqual(['', '', '']);
      else expect(Number((r.montant as string).replace(',', '.'))).toBeGreaterThan(0);
    }
    // a person with nothing changed has only that row
    const aucun = new Set(suivi.filter((r) => r.mouvement === 'aucun').map((r) => r.numero_allocataire));
    expect(suivi.filter((r) => r.mouvement !== 'aucun' && aucun.has(r.numero_allocataire))).toEqual([]);
  });

  it('keeps victims of violence flagged at risk in the allocataires file, with their safe channel there', () => {
    const allocataires = new Map(corse.files.caf_allocataires.rows.map((r) => [r.numero_allocataire, r]));
    const victimes = corse.files.caf_separations.rows.filter((r) => r.victime_violences === 'oui');
    expect(victimes.length).toBeGreaterThan(0);
    expect(victimes.filter((r) => allocataires.get(r.numero_allocataire as string)?.risque_violence !== 'oui')).toEqual([]);
  });

  it('gives the maternity adviser a room and a planned discharge after the birth', () => {
    const rows = corse.files.cpam_sejours_maternite.rows;
    expect(rows.every((r) => /^[1-4]\d{2}$/.test(r.chambre as string))).toBe(true);
    expect(rows.every((r) => (r.date_sortie_prevue as string) > (r.date_accouchement as string))).toBe(true);
    expect(rows.every((r) => r.date_sortie === '' || r.date_sortie === r.date_sortie_prevue)).toBe(true);
    expect(rows.filter((r) => r.refus_visite === 'oui' && r.eligible_prado === 'non')).toEqual([]);
  });

  it('keeps C2S beneficiaries under their ceiling and computes the household coefficient', () => {
    const perShare = (r: Row) => Number((r.ressources_annuelles as string).replace(',', '.')) / Number((r.coefficient_foyer_c2s as string).replace(',', '.'));
    const known = corse.files.cpam_assures.rows.filter((r) => r.ressources_annuelles !== '');
    expect(known.filter((r) => r.complementaire === 'c2s' && perShare(r) > C2S.plafondSansParticipation + 0.01)).toEqual([]);
    expect(known.filter((r) => r.complementaire === 'c2s_participation'
      && (perShare(r) < C2S.plafondSansParticipation - 0.01 || perShare(r) > C2S.plafondAvecParticipation + 0.01))).toEqual([]);
    const coefficients = new Set(corse.files.cpam_assures.rows.map((r) => r.coefficient_foyer_c2s));
    expect([...coefficients].filter((c) => !/^(1|1,5|1,8|2,1|2,5|2,9|3,3|3,7)$/.test(c as string))).toEqual([]);
    expect(coefficients.has('1')).toBe(true);
    expect(coefficients.has('1,5')).toBe(true);
  });
});

describe('distributions', () => {
  const dept = '2A';
  const expected = (perYearOrMonth: number) => (perYearOrMonth * populationOf(dept)) / 68_350_798;

  it('scales the volumes on the département population (≈ 14 M allocataires nationally)', () => {
    const allocatairesOf = (c: KindCounts) => c.allocataire + c.separation + c.ajpa + c.ajpp
      + 0.8 * c.naissance + 0.22 * c.arret + 0.3 * c.sortie_hospitalisation;
    const national = listDepartements().reduce((s, d) => s + allocatairesOf(planPeople(d.code, MONTH, 1, 1)), 0);
    expect(Math.abs(national / NATIONAL.allocataires - 1)).toBeLessThan(0.01);
    // the Var gets ≈ 230 000 allocataires at scale 1
    expect(allocatairesOf(planPeople('83', MONTH, 1, 1))).toBeGreaterThan(220_000);
    expect(allocatairesOf(planPeople('83', MONTH, 1, 1))).toBeLessThan(240_000);
    const plan = planPeople(dept, MONTH, 1, 1);
    expect(Math.abs(allocatairesOf(plan) / expected(NATIONAL.allocataires) - 1)).toBeLessThan(0.02);
    expect(plan.separation / expected(NATIONAL.separationsParAn / 12)).toBeGreaterThan(0.8);
    expect(plan.separation / expected(NATIONAL.separationsParAn / 12)).toBeLessThan(1.2);
    // the files of the shared dataset (scale 0.3)
    expect(corse.files.caf_allocataires.rows.length / (0.3 * expected(NATIONAL.allocataires))).toBeGreaterThan(0.95);
    expect(corse.files.caf_allocataires.rows.length / (0.3 * expected(NATIONAL.allocataires))).toBeLessThan(1.1);
    const assuresPerInhabitant = corse.files.cpam_assures.rows.length / (0.3 * populationOf(dept));
    expect(assuresPerInhabitant).toBeGreaterThan(0.6);
    expect(assuresPerInhabitant).toBeLessThan(0.75);
    expect(corse.files.caf_separations.rows.length).toBe(200);
    expect(corse.files.caf_ajpa_ajpp.rows.length).toBe(200);
  });

  it('gives single-parent families 68 % housing aid and 30 % C2S (SPEC §2)', () => {
    const mono = corse.files.caf_allocataires.rows.filter((r) => r.configuration_foyer === 'famille_monoparentale');
    expect(mono.length).toBeGreaterThan(1500);
    expect(share(mono, (r) => r.aide_logement === 'oui')).toBeCloseTo(SPEC_RATES.monoparentalAideLogement, 1);
    expect(Math.abs(share(mono, (r) => r.aide_logement === 'oui') - 0.68)).toBeLessThan(0.03);
    expect(share(mono, (r) => r.sexe === 'F')).toBeGreaterThan(0.8);
    const cpam = new Map(corse.files.cpam_assures.rows.map((r) => [r.nir, r.complementaire]));
    const covered = mono.filter((r) => cpam.has(r.nir));
    const c2s = share(covered, (r) => ['c2s', 'c2s_participation'].includes(cpam.get(r.nir) as string));
    expect(Math.abs(c2s - SPEC_RATES.monoparentalC2s)).toBeLessThan(0.04);
  });

  it('follows the AJPA profile of SPEC §1: 39.8 % granted, parent 60 %, spouse 30 %, mostly women over 45', () => {
    const people = [...samplePeople('ajpa', 4000, { departement: dept, month: MONTH, seed: 5 })];
    const demandes = people.map((p) => p.demandeAidant);
    const rate = (f: (p: (typeof people)[number]) => boolean) => people.filter(f).length / people.length;
    expect(Math.abs(rate((p) => p.demandeAidant?.decision === 'accordee') - SPEC_RATES.ajpaAccordee)).toBeLessThan(0.03);
    expect(Math.abs(rate((p) => p.demandeAidant?.lien === 'parent') - 0.6)).toBeLessThan(0.03);
    expect(Math.abs(rate((p) => p.demandeAidant?.lien === 'conjoint') - 0.3)).toBeLessThan(0.03);
    expect(Math.abs(rate((p) => p.sexe === 'F') - SPEC_RATES.ajpaFemmes)).toBeLessThan(0.03);
    expect(rate((p) => p.age > 45)).toBeGreaterThan(0.7);
    expect(rate((p) => p.sante.medecinTraitant)).toBeGreaterThan(0.88);
    expect(Math.abs(rate((p) => p.sante.complementaire === 'aucune') - SPEC_RATES.aidantSansComplementaire)).toBeLessThan(0.03);
    expect(demandes.every((d) => d?.prestation === 'ajpa')).toBe(true);
    expect(people.every((p) => p.allocataire !== null && p.allocataire.ajpa === (p.demandeAidant?.decision === 'accordee'))).toBe(true);
    const ajpp = [...samplePeople('ajpp', 300, { departement: dept, month: MONTH })];
    expect(ajpp.every((p) => p.demandeAidant?.lien === 'enfant' && (p.allocataire?.foyer.enfants ?? 0) >= 1)).toBe(true);
  });

  it('has separations with a child in 300 000 / 356 000 of cases (SPEC §2)', () => {
    const people = [...samplePeople('separation', 3000, { departement: dept, month: MONTH })];
    const withChild = people.filter((p) => (p.separation?.nombreEnfants ?? 0) > 0).length / people.length;
    expect(Math.abs(withChild - SPEC_RATES.separationAvecEnfant)).toBeLessThan(0.03);
  });

  it('puts some sick leaves on their 91st paid day in the month (SPEC §4 P1)', () => {
    const { rows } = corse.files.cpam_arrets_travail;
    const first = parseIsoDate(`${MONTH}-01`) as number;
    const last = parseIsoDate(`${MONTH}-30`) as number;
    const day91 = rows.filter((r) => {
      const d = (parseIsoDate(r.date_debut_indemnisation as string) as number) + 90;
      return d >= first && d <= last && Number(r.jours_indemnises) >= 91;
    });
    expect(day91.length).toBeGreaterThan(0);
    expect(day91.length / rows.length).toBeGreaterThan(0.015);
    expect(day91.length / rows.length).toBeLessThan(0.05);
    const inconsistent = rows.filter((r) => {
      const end = r.date_fin_arret === '' ? last : (parseIsoDate(r.date_fin_arret as string) as number);
      return end - (parseIsoDate(r.date_debut_indemnisation as string) as number) + 1 !== Number(r.jours_indemnises);
    });
    expect(inconsistent).toEqual([]);
  });

  it('draws invalidity pensions as documented: categories 25 / 72 / 3 %, 1/136 starting in the month, contract by category', () => {
    const people = [...samplePeople('allocataire', 60_000, { departement: dept, month: MONTH, seed: 11 })]
      .filter((p) => p.pensionInvalidite !== null);
    expect(people.length).toBeGreaterThan(1000);
    const rate = (f: (p: (typeof people)[number]) => boolean) => people.filter(f).length / people.length;
    expect(Math.abs(rate((p) => p.pensionInvalidite?.categorie === '1') - 0.25)).toBeLessThan(0.04);
    expect(Math.abs(rate((p) => p.pensionInvalidite?.categorie === '2') - 0.72)).toBeLessThan(0.04);
    const cat2 = people.filter((p) => p.pensionInvalidite?.categorie === '2');
    expect(Math.abs(cat2.filter((p) => p.pensionInvalidite?.contratMaintenu).length / cat2.length - INVALIDITE.contratMaintenu['2'])).toBeLessThan(0.05);
    expect(people.every((p) => p.sante.invalidite && p.assureRegimeGeneral)).toBe(true);
    // the month's flow, 1/136 of the stock (a Poisson count: wide bounds)
    const first = parseIsoDate(`${MONTH}-01`) as number;
    const nouvelles = people.filter((p) => (p.pensionInvalidite?.debut ?? 0) >= first).length;
    const expected = people.length * INVALIDITE.nouvellesParMois;
    expect(nouvelles).toBeGreaterThanOrEqual(Math.floor(expected / 3));
    expect(nouvelles).toBeLessThanOrEqual(Math.ceil(expected * 2.5));
  });

  it('has 4 % of eligible mothers refuse the adviser\'s visit (± 1.5 points)', () => {
    const mothers = [...samplePeople('naissance', 4000, { departement: dept, month: MONTH })].filter((p) => p.maternite?.motifNonEligibilite === null);
    const refus = mothers.filter((p) => p.maternite?.refusVisite).length / mothers.length;
    expect(Math.abs(refus - PRADO.refusVisite)).toBeLessThan(0.015);
  });

  it('follows separations at M + 4 as documented (± 5 points): ASF opened for 45 % of custodial declarants without it, ≈ 35 % with nothing changed', () => {
    const people = [...samplePeople('separation', 3000, { departement: dept, month: MONTH })];
    const suivis = people.map((p) => p.separation?.suivi ?? []);
    const custodial = people.filter((p) => p.separation?.modeGarde === 'exclusive_declarant' && !p.allocataire?.asf);
    const asf = custodial.filter((p) => p.separation?.suivi.some((m) => m.mouvement === 'droit_ouvert' && m.prestation === 'asf')).length / custodial.length;
    expect(Math.abs(asf - 0.45)).toBeLessThan(0.05);
    const rien = suivis.filter((s) => s.length === 1 && s[0]?.mouvement === 'aucun').length / people.length;
    expect(Math.abs(rien - 0.35)).toBeLessThan(0.05);
    expect(suivis.every((s) => s.length >= 1)).toBe(true);
    const victimes = people.filter((p) => p.separation?.victimeViolences).length / people.length;
    expect(Math.abs(victimes - 0.045)).toBeLessThan(0.015);
  });

  it('puts about 7 % of the insured without C2S under the contribution ceiling and 3 % just above (± 2 points)', () => {
    const rows = corse.files.cpam_assures.rows;
    const perShare = (r: Row) => Number((r.ressources_annuelles as string).replace(',', '.')) / Number((r.coefficient_foyer_c2s as string).replace(',', '.'));
    const sans = (r: Row) => r.complementaire !== 'c2s' && r.complementaire !== 'c2s_participation' && r.ressources_annuelles !== '';
    const under = share(rows, (r) => sans(r) && perShare(r) <= C2S.plafondAvecParticipation);
    const above = share(rows, (r) => sans(r) && perShare(r) > C2S.plafondAvecParticipation && perShare(r) <= C2S.plafondAvecParticipation * 1.1);
    expect(Math.abs(under - 0.072)).toBeLessThan(0.02);
    expect(Math.abs(above - 0.032)).toBeLessThan(0.02);
    expect(Math.abs(share(rows, (r) => r.ressources_annuelles === '') - C2S.ressourcesInconnues)).toBeLessThan(0.01);
  });

  it('leaves a small documented share of contacts missing or malformed', () => {
    const rows = corse.files.cpam_assures.rows;
    const emails = rows.filter((r) => r.email !== '');
    const badEmail = share(emails, (r) => checkCell({ name: 'email', type: 'email', required: false, description: '' }, r.email as string) !== null);
    expect(Math.abs(badEmail - DATA_QUALITY.emailMalformed)).toBeLessThan(0.01);
    const phones = rows.filter((r) => r.telephone !== '');
    expect(Math.abs(phones.length / rows.length - DATA_QUALITY.phonePresent)).toBeLessThan(0.01);
    expect(Math.abs(share(phones, (r) => normalizeFrenchPhone(r.telephone as string) === null) - DATA_QUALITY.phoneMalformed)).toBeLessThan(0.01);
  });

  it('gives people at risk of violence a safe channel distinct from the household ones', () => {
    const atRisk = corse.files.caf_allocataires.rows.filter((r) => r.risque_violence === 'oui');
    expect(atRisk.length).toBeGreaterThan(10);
    for (const r of atRisk) {
      if (r.canal_sur === 'email') expect(r.canal_sur_valeur).not.toBe(r.email);
      if (r.canal_sur === 'telephone') expect(normalizeFrenchPhone(r.canal_sur_valeur as string)).not.toBe(normalizeFrenchPhone(r.telephone as string));
      if (r.canal_sur === '') expect(r.canal_sur_valeur).toBe('');
      else expect(r.canal_sur_valeur).not.toBe('');
    }
    const safe = corse.files.caf_allocataires.rows.filter((r) => r.risque_violence === 'non');
    expect(safe.every((r) => r.canal_sur === '' && r.canal_sur_valeur === '')).toBe(true);
  });
});

describe('determinism', () => {
  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const [a, b, c] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    await generateExtracts({ departement: '48', month: MONTH, outDir: a, scale: 0.05, seed: 7 });
    await generateExtracts({ departement: '48', month: MONTH, outDir: b, scale: 0.05, seed: 7 });
    await generateExtracts({ departement: '48', month: MONTH, outDir: c, scale: 0.05, seed: 8 });
    for (const kind of EXTRACT_KINDS) {
      const name = EXTRACT_FORMATS[kind].fileName;
      expect((await readFile(join(a, name))).equals(await readFile(join(b, name))), name).toBe(true);
    }
    const name = EXTRACT_FORMATS.caf_allocataires.fileName;
    expect((await readFile(join(a, name))).equals(await readFile(join(c, name)))).toBe(false);
  });
});

describe('options', () => {
  const base = { departement: '83', month: '2026-11', outDir: '/tmp/x' };
  const problems = (raw: Parameters<typeof validateGenerateOptions>[0]) => {
    try {
      validateGenerateOptions(raw);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(GenerateOptionsError);
      return [...(error as GenerateOptionsError).problems];
    }
  };

  it('normalises valid options and applies the defaults', () => {
    expect(validateGenerateOptions(base)).toEqual({ ...base, scale: 1, seed: 1 });
    expect(validateGenerateOptions({ ...base, departement: '2a', scale: '0,01', seed: '42' })).toMatchObject({ departement: '2A', scale: 0.01, seed: 42 });
    expect(validateGenerateOptions({ ...base, departement: '1' }).departement).toBe('01');
    expect(validateGenerateOptions({ ...base, departement: 'ALL' }).departement).toBe('all');
    expect(validateGenerateOptions({ ...base, departement: '971' }).departement).toBe('971');
  });

  it('explains every problem in French', () => {
    expect(problems({ ...base, departement: '99' })).toEqual([expect.stringMatching(/^Département inconnu : « 99 »/)]);
    expect(problems({ ...base, departement: '20' })[0]).toMatch(/2A et 2B pour la Corse/);
    expect(problems({ ...base, departement: '975' })[0]).toMatch(/Département inconnu/);
    expect(problems({ ...base, month: '2026-13' })).toEqual([expect.stringMatching(/^Mois invalide : « 2026-13 » ; format attendu AAAA-MM/)]);
    expect(problems({ ...base, month: '11/2026' })[0]).toMatch(/Mois invalide/);
    expect(problems({ ...base, scale: '0' })[0]).toMatch(/^Échelle invalide : « 0 »/);
    expect(problems({ ...base, scale: 'beaucoup' })[0]).toMatch(/^Échelle invalide/);
    expect(problems({ ...base, scale: '11' })[0]).toMatch(/au plus 10/);
    expect(problems({ ...base, seed: '-3' })[0]).toMatch(/^Graine invalide/);
    expect(problems({})).toEqual([
      expect.stringMatching(/^Indiquez le département/),
      expect.stringMatching(/^Indiquez le mois/),
      expect.stringMatching(/^Indiquez le dossier de sortie/),
    ]);
  });
});

describe('command line', () => {
  function cli() {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('passerelle').exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
    registerGenerate(program, { out: (s) => out.push(s), err: (s) => err.push(s), tty: false });
    return { program, out, err };
  }

  it('rejects bad options with French messages and exit code 2', async () => {
    const { program, err } = cli();
    const run = program.parseAsync(['node', 'passerelle', 'generate', '--departement', '99', '--mois', '2026-13', '--sortie', '/tmp/nowhere', '--echelle', '-1'], { from: 'node' });
    await expect(run).rejects.toBeInstanceOf(CommanderError);
    await run.catch((e: CommanderError) => expect(e.exitCode).toBe(2));
    const text = err.join('');
    expect(text).toMatch(/Département inconnu : « 99 »/);
    expect(text).toMatch(/Mois invalide : « 2026-13 »/);
    expect(text).toMatch(/Échelle invalide : « -1 »/);
  });

  it('generates, reports progress every 10 % and prints a summary', async () => {
    const dir = await tempDir();
    const { program, out, err } = cli();
    await program.parseAsync(['node', 'passerelle', 'generate', '--departement', '48', '--mois', MONTH, '--sortie', dir, '--echelle', '0.02'], { from: 'node' });
    expect(err.join('')).toMatch(/Génération : 100 %/);
    const summary = out.join('');
    expect(summary).toMatch(/caf_allocataires\.csv/);
    expect(summary).toMatch(/lignes\/s/);
    expect(summary).toMatch(/mémoire maximale \d+ Mo/);
  });
});

describe('documentation', () => {
  it('documents every file and every column in docs/extract-formats.md', async () => {
    const doc = await readFile(new URL('../../docs/extract-formats.md', import.meta.url), 'utf8');
    for (const kind of EXTRACT_KINDS) {
      const format = EXTRACT_FORMATS[kind];
      const section = doc.split(/\n## /).find((s) => (s.split('\n')[0] ?? '').includes(`\`${format.fileName}\``));
      expect(section, format.fileName).toBeDefined();
      for (const column of format.columns) expect(section, `${format.fileName} ${column.name}`).toContain(`\`${column.name}\``);
    }
  });
});
