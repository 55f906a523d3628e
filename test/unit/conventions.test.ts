import { beforeAll, describe, expect, it } from 'vitest';
import {
  allowedFields, conventionStatus, coveringConvention, fieldsNeverCrossing, parseConvention, termsAt, type Convention,
} from '../../src/conventions/index.ts';
import { findProgramme, loadProgrammes, type Programme } from '../../src/programmes/index.ts';

let aidants: Programme;
let prado: Programme;
beforeAll(() => {
  const all = loadProgrammes();
  aidants = findProgramme(all, 'aidants')!;
  prado = findProgramme(all, 'prado')!;
});

const convention = (over: Partial<Convention> = {}): Convention => ({
  id: 'conv-83-2025',
  parties: { expediteur: 'caf-83', destinataire: 'cpam-83' },
  programmes: ['aidants'],
  champs: ['email', 'telephone', 'code_postal'],
  baseLegale: 'Articles L.114-12 CSS et L.114-8 II CRPA ; modèle de convention de la LR 2023-001',
  dateDebut: '2025-01-15',
  avenants: [],
  resiliation: null,
  ...over,
});

describe('convention status: one-year term, tacit renewal, two months’ notice (convention PRADO, art. 6)', () => {
  it.each<[string, Partial<Convention>, string, string, number | null, string | null]>([
    ['before its start', {}, '2025-01-14', 'a_venir', null, null],
    ['on its first day', {}, '2025-01-15', 'active', 1, '2026-01-14'],
    ['on the last day of the first year', {}, '2026-01-14', 'active', 1, '2026-01-14'],
    ['renewed tacitly on the anniversary', {}, '2026-01-15', 'active', 2, '2027-01-14'],
    ['renewed tacitly again', {}, '2027-06-30', 'active', 3, '2028-01-14'],
    ['before the termination is notified', { resiliation: { notifieeLe: '2026-03-10' } }, '2026-03-09', 'active', 2, '2027-01-14'],
    ['under notice', { resiliation: { notifieeLe: '2026-03-10' } }, '2026-03-10', 'en_preavis', 2, '2027-01-14'],
    ['last day of the notice', { resiliation: { notifieeLe: '2026-03-10' } }, '2026-05-09', 'en_preavis', 2, '2027-01-14'],
    ['terminated two months after notice', { resiliation: { notifieeLe: '2026-03-10' } }, '2026-05-10', 'resiliee', null, null],
    ['notice across an anniversary: renewed, then terminated', { resiliation: { notifieeLe: '2025-12-20' } }, '2026-01-20', 'en_preavis', 2, '2027-01-14'],
    ['notice across an anniversary: terminated', { resiliation: { notifieeLe: '2025-12-20' } }, '2026-02-20', 'resiliee', null, null],
    ['notice at the end of a month', { resiliation: { notifieeLe: '2025-12-31' } }, '2026-02-28', 'resiliee', null, null],
    ['start on 29 February: anniversary on 28 February', { dateDebut: '2024-02-29' }, '2025-02-28', 'active', 2, '2026-02-27'],
  ])('%s', (_label, over, date, statut, periode, finPeriode) => {
    const s = conventionStatus(convention(over), date);
    expect(s.statut).toBe(statut);
    expect(s.enVigueur).toBe(statut === 'active' || statut === 'en_preavis');
    expect(s.periode).toBe(periode);
    expect(s.finPeriode).toBe(finPeriode);
    expect(s.renouveleeTacitement).toBe((periode ?? 0) > 1);
  });

  it('explains the status in French', () => {
    expect(conventionStatus(convention(), '2026-03-01').libelle).toBe('active (2e année, renouvelée tacitement le 15/01/2026) ; prochain renouvellement tacite le 15/01/2027');
    expect(conventionStatus(convention({ resiliation: { notifieeLe: '2026-03-10' } }), '2026-04-01').libelle)
      .toBe('en préavis (2e année, renouvelée tacitement le 15/01/2026) : résiliation notifiée le 10/03/2026, en vigueur jusqu\'au 09/05/2026 inclus');
    expect(conventionStatus(convention({ resiliation: { notifieeLe: '2026-03-10' } }), '2026-06-01').libelle)
      .toBe('résiliée depuis le 10/05/2026 (résiliation notifiée le 10/03/2026, préavis de deux mois)');
  });
});

describe('amendments change the terms from their date', () => {
  const amended = convention({
    avenants: [
      { date: '2025-09-01', objet: 'Ajout du nom et du prénom pour les appels du CES', champs: ['email', 'telephone', 'code_postal', 'nom', 'prenom'] },
      { date: '2026-02-01', objet: 'Retrait de l’adresse électronique', champs: ['telephone', 'code_postal', 'nom', 'prenom'] },
      { date: '2026-02-01', objet: 'Extension au programme séparation', programmes: ['aidants', 'separation'] },
    ],
  });
  it.each<[string, string[], string[]]>([
    ['2025-08-31', ['email', 'telephone', 'code_postal'], ['aidants']],
    ['2025-09-01', ['email', 'telephone', 'code_postal', 'nom', 'prenom'], ['aidants']],
    ['2026-02-01', ['telephone', 'code_postal', 'nom', 'prenom'], ['aidants', 'separation']],
  ])('on %s', (date, champs, programmes) => {
    expect(termsAt(amended, date)).toEqual({ champs, programmes });
    expect(conventionStatus(amended, date).champs).toEqual(champs);
  });

  it.each<[string, string[]]>([
    ['2025-08-31', ['email', 'telephone', 'code_postal']],
    ['2025-10-15', ['email', 'telephone', 'code_postal', 'nom', 'prenom']],
    ['2026-03-01', ['telephone', 'code_postal', 'nom', 'prenom']],
  ])('allowed fields on %s: the programme’s maximum ∩ the convention’s list', (date, expected) => {
    expect(allowedFields(aidants, amended, date)).toEqual(expected);
  });

  it('allows nothing outside the convention’s life, or for a programme it does not cover', () => {
    expect(allowedFields(aidants, convention(), '2025-01-01')).toEqual([]);
    expect(allowedFields(aidants, convention({ resiliation: { notifieeLe: '2025-03-01' } }), '2025-05-01')).toEqual([]);
    expect(allowedFields(aidants, convention({ programmes: ['separation'] }), '2025-06-01')).toEqual([]);
    expect(allowedFields(prado, convention({ programmes: ['prado'], champs: ['nom'] }), '2025-06-01')).toEqual([]);
  });

  it('flags the fields a convention lists that the programme never lets cross', () => {
    expect(fieldsNeverCrossing(aidants, convention({ champs: ['email', 'nir', 'adresse_ligne'] }), '2025-06-01')).toEqual(['nir', 'adresse_ligne']);
  });
});

describe('covering convention: sealing refused without an active convention', () => {
  const noms = { 'caf-83': 'Caf du Var', 'cpam-83': 'CPAM du Var' };
  const query = (date: string, programme: string | Programme = 'aidants') => ({ programme, expediteur: 'caf-83', destinataire: 'cpam-83', date, noms });

  it('finds the active convention', () => {
    const c = coveringConvention([convention()], query('2026-06-01', aidants));
    expect(c.ok && c.convention.id).toBe('conv-83-2025');
    expect(c.ok && c.statut.periode).toBe(2);
  });

  it('prefers the most recent of several', () => {
    const c = coveringConvention([convention(), convention({ id: 'conv-83-2026', dateDebut: '2026-01-01' })], query('2026-06-01'));
    expect(c.ok && c.convention.id).toBe('conv-83-2026');
  });

  it.each<[string, Convention[], string, string]>([
    ['no convention at all', [], '2026-06-01',
      'Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var (caf-83) et CPAM du Var (cpam-83) au 01/06/2026. Aucune convention locale n’est enregistrée entre ces deux organismes.'],
    ['a convention in the other direction only', [convention({ parties: { expediteur: 'cpam-83', destinataire: 'caf-83' } })], '2026-06-01',
      'Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var (caf-83) et CPAM du Var (cpam-83) au 01/06/2026. Une convention existe dans l\'autre sens (de CPAM du Var (cpam-83) vers Caf du Var (caf-83)) : elle ne permet pas cet envoi.'],
    ['a terminated convention', [convention({ resiliation: { notifieeLe: '2026-03-10' } })], '2026-06-01',
      'Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var (caf-83) et CPAM du Var (cpam-83) au 01/06/2026. La convention conv-83-2025 est résiliée depuis le 10/05/2026 (résiliation notifiée le 10/03/2026, préavis de deux mois).'],
    ['a convention not yet in force', [convention({ dateDebut: '2026-09-01' })], '2026-06-01',
      'Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var (caf-83) et CPAM du Var (cpam-83) au 01/06/2026. La convention conv-83-2025 est à venir : prend effet le 01/09/2026.'],
    ['a convention for another programme', [convention({ programmes: ['separation'] })], '2026-06-01',
      'Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var (caf-83) et CPAM du Var (cpam-83) au 01/06/2026. La convention conv-83-2025 ne couvre pas ce programme (programmes couverts : separation).'],
  ])('%s', (_label, conventions, date, raison) => {
    const toSign = ' À signer : l\'administrateur de Caf du Var (caf-83) ou de CPAM du Var (cpam-83) propose une convention couvrant ce programme, dans ce sens, et l\'administrateur de l\'autre organisme la signe (page « Conventions », /conventions).';
    expect(coveringConvention(conventions, query(date, aidants))).toEqual({
      ok: false, raison: raison + toSign, aSigner: { programme: 'aidants', expediteur: 'caf-83', destinataire: 'cpam-83', projets: [] },
    });
  });

  it('refuses a package for a programme where no personal data crosses', () => {
    const c = coveringConvention([convention({ programmes: ['prado'] })], { ...query('2026-06-01', prado), expediteur: 'caf-83', destinataire: 'cpam-83' });
    expect(c).toEqual({ ok: false, raison: 'Scellement refusé : le programme « Naissance : PRADO maternité et aide à domicile de la Caf » ne transmet aucune donnée personnelle à un autre organisme.' });
  });

  it('still covers during the notice period', () => {
    expect(coveringConvention([convention({ resiliation: { notifieeLe: '2026-03-10', par: 'cpam-83' } })], query('2026-05-09')).ok).toBe(true);
  });
});

describe('convention validation', () => {
  it('accepts a well-formed convention', () => {
    expect(parseConvention(convention()).ok).toBe(true);
  });
  it.each<[string, Record<string, unknown>, string]>([
    ['same organisation on both sides', { parties: { expediteur: 'caf-83', destinataire: 'caf-83' } }, 'convention : parties : l’expéditeur et le destinataire doivent être deux organismes différents'],
    ['a bad date', { dateDebut: '2025-02-30' }, 'convention : dateDebut : date AAAA-MM-JJ attendue'],
    ['an amendment before the start', { avenants: [{ date: '2024-12-01', objet: 'x', champs: [] }] }, 'convention : avenants[0].date : avenant daté du 01/12/2024, avant le début de la convention (15/01/2025)'],
    ['an amendment that changes nothing', { avenants: [{ date: '2025-12-01', objet: 'x' }] }, 'convention : avenants[0] : un avenant modifie les champs, les programmes, ou les deux'],
    ['no programme', { programmes: [] }, 'convention : programmes : au moins un programme'],
    ['termination by a third party', { resiliation: { notifieeLe: '2026-01-01', par: 'carsat-sud-est' } }, 'convention : resiliation.par : la résiliation est notifiée par l’une des parties'],
    ['a missing legal basis', { baseLegale: undefined }, 'convention : baseLegale : valeur obligatoire manquante'],
  ])('refuses %s', (_label, over, message) => {
    const result = parseConvention({ ...convention(), ...over });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.erreurs).toContain(message);
  });
});
