import { beforeAll, describe, expect, it } from 'vitest';
import {
  conventionHistory, conventionStatus, coveringConvention, denounceConvention, draftConvention, fieldPurposes, pendingSignature, proposeAmendment,
  remoteStepProblem, signConvention, signConventionDocument, termsAt, verifyConventionDocument, type Convention, type Step,
} from '../../src/conventions/index.ts';
import { generateSigningKey } from '../../src/exchange/index.ts';
import { findProgramme, loadProgrammes, type Programme } from '../../src/programmes/index.ts';

let arret91: Programme;
let prado: Programme;
beforeAll(() => {
  const all = loadProgrammes();
  arret91 = findProgramme(all, 'carsat-arret-91')!;
  prado = findProgramme(all, 'prado')!;
});

const CPAM = { organisation: 'cpam-83', par: 'Alain Administrateur', date: '2026-12-01' };
const CARSAT = { organisation: 'carsat-sud-est', par: 'Serge Administrateur', date: '2026-12-03' };
const ok = (s: Step): Convention => {
  if (!s.ok) throw new Error(s.erreur);
  return s.convention;
};
const draft = (over: Partial<Parameters<typeof draftConvention>[0]> = {}) => draftConvention({
  id: 'conv-test', programmes: [arret91], expediteur: 'cpam-83', destinataire: 'carsat-sud-est',
  champs: ['nom', 'prenom', 'telephone', 'marqueurs'], dateDebut: '2026-12-01', proposant: CPAM, ...over,
});
const signed = () => ok(signConvention(ok(draft()), CARSAT));

describe('a convention is proposed by one party and in force once both have signed', () => {
  it.each<[string, () => Step, string]>([
    ['a programme where nothing crosses', () => draft({ programmes: [prado] }), 'ne transmet aucune donnée personnelle'],
    ['a proposer that is not a party', () => draft({ proposant: { ...CPAM, organisation: 'caf-83' } }), 'seul l’un des deux organismes'],
    ['no field', () => draft({ champs: [] }), 'au moins un champ'],
    ['a field the programme never lets cross', () => draft({ champs: ['nom', 'nir'] }), 'ne laisse jamais passer : nir'],
    ['a field listed twice', () => draft({ champs: ['nom', 'nom'] }), 'deux fois'],
    ['the same organisation on both sides', () => draft({ destinataire: 'cpam-83' }), 'deux organismes différents'],
    ['a signature by an organisation that is not a party', () => signConvention(ok(draft()), { ...CARSAT, organisation: 'caf-83' }), 'seuls les deux organismes'],
    ['the proposer signing twice', () => signConvention(ok(draft()), CPAM), 'déjà signé ce projet'],
    ['a signature when nothing waits', () => signConvention(signed(), CARSAT), 'rien n’attend de signature'],
    ['an amendment of an unsigned draft', () => proposeAmendment(ok(draft()), { date: '2027-01-01', objet: 'x', champs: ['nom'], programmes: [arret91], proposant: CPAM }), 'pas encore signée'],
    ['notice of an unsigned draft', () => denounceConvention(ok(draft()), { ...CPAM, date: '2026-12-05' }), 'rien à dénoncer'],
    ['notice twice', () => denounceConvention(ok(denounceConvention(signed(), { ...CPAM, date: '2027-02-01' })), { ...CARSAT, date: '2027-02-02' }), 'déjà été dénoncée'],
  ])('refuses %s', (_label, run, message) => {
    const r = run();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.erreur).toContain(message);
  });

  it.each<[string, () => Convention, string, string, boolean]>([
    ['a draft signed by the proposer only', () => ok(draft()), '2026-12-10', 'projet', false],
    ['signed by both, before its start', () => ok(signConvention(ok(draft({ dateDebut: '2027-01-01' })), CARSAT)), '2026-12-10', 'a_venir', false],
    ['signed by both, from its start', signed, '2026-12-10', 'active', true],
    ['renewed tacitly after a year', signed, '2027-12-10', 'active', true],
    ['under notice', () => ok(denounceConvention(signed(), { ...CARSAT, date: '2027-02-01' })), '2027-03-31', 'en_preavis', true],
    ['terminated two months after notice', () => ok(denounceConvention(signed(), { ...CARSAT, date: '2027-02-01' })), '2027-04-01', 'resiliee', false],
  ])('%s → %s', (_label, make, date, statut, enVigueur) => {
    const s = conventionStatus(make(), date);
    expect(s.statut).toBe(statut);
    expect(s.enVigueur).toBe(enVigueur);
  });

  it('a draft never allows an exchange, and the refusal says who must sign', () => {
    const c = coveringConvention([ok(draft())], { programme: arret91, expediteur: 'cpam-83', destinataire: 'carsat-sud-est', date: '2026-12-10', noms: { 'carsat-sud-est': 'Carsat Sud-Est' } });
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.aSigner).toEqual({ programme: 'carsat-arret-91', expediteur: 'cpam-83', destinataire: 'carsat-sud-est', projets: [{ convention: 'conv-test', enAttenteDe: ['carsat-sud-est'] }] });
    expect(c.raison).toContain('Le projet conv-test attend la signature de Carsat Sud-Est (carsat-sud-est)');
    expect(c.raison).toContain('/conventions');
    expect(coveringConvention([signed()], { programme: arret91, expediteur: 'cpam-83', destinataire: 'carsat-sud-est', date: '2026-12-10' }).ok).toBe(true);
  });
});

describe('amendments are numbered, counter-signed, and change the fields from their date', () => {
  const amend = (c: Convention, date: string, champs: string[], by = CARSAT) => ok(proposeAmendment(c, { date, objet: 'Ajout de l’adresse', champs, programmes: [arret91], proposant: by }));

  it('an unsigned amendment changes nothing; signed, it applies from its date', () => {
    const proposed = amend(signed(), '2027-03-01', ['nom', 'prenom', 'adresse_ligne', 'code_postal', 'commune']);
    expect(proposed.avenants[0]!.numero).toBe(1);
    expect(pendingSignature(proposed)).toEqual({ objet: 'avenant', numero: 1, enAttenteDe: ['cpam-83'] });
    expect(termsAt(proposed, '2027-04-01').champs).toEqual(['nom', 'prenom', 'telephone', 'marqueurs']);
    expect(proposeAmendment(proposed, { date: '2027-04-01', objet: 'y', champs: ['nom'], programmes: [arret91], proposant: CPAM }).ok).toBe(false);
    const agreed = ok(signConvention(proposed, { ...CPAM, date: '2026-12-20' }));
    expect(pendingSignature(agreed)).toBeNull();
    expect(termsAt(agreed, '2027-02-28').champs).toEqual(['nom', 'prenom', 'telephone', 'marqueurs']);
    expect(termsAt(agreed, '2027-03-01').champs).toEqual(['nom', 'prenom', 'adresse_ligne', 'code_postal', 'commune']);
    const second = amend(agreed, '2027-06-01', ['nom'], CPAM);
    expect(second.avenants[1]!.numero).toBe(2);
    expect(proposeAmendment(agreed, { date: '2027-02-01', objet: 'z', champs: ['nom'], programmes: [arret91], proposant: CPAM }).ok).toBe(false);
  });

  it('the history lists every signature, amendment and the notice, dated and by whom', () => {
    const c = ok(denounceConvention(ok(signConvention(amend(signed(), '2027-03-01', ['nom']), { ...CPAM, date: '2027-01-10' })), { ...CPAM, date: '2027-05-02', motif: 'fin du programme' }));
    expect(conventionHistory(c, { 'cpam-83': 'CPAM du Var', 'carsat-sud-est': 'Carsat Sud-Est' }).map((h) => `${h.date} ${h.par ?? ''} ${h.evenement}`)).toEqual([
      '2026-12-01 Alain Administrateur Projet proposé et signé pour CPAM du Var',
      '2026-12-03 Serge Administrateur Convention signée pour Carsat Sud-Est',
      '2026-12-03 Serge Administrateur Avenant n° 1 proposé et signé pour Carsat Sud-Est : Ajout de l’adresse, prend effet le 01/03/2027',
      '2027-01-10 Alain Administrateur Avenant n° 1 signé pour CPAM du Var',
      '2027-05-02 Alain Administrateur Dénonciation notifiée par CPAM du Var (fin du programme) : fin d\'effet le 02/07/2027',
    ]);
  });
});

describe('every field says why it is needed', () => {
  it('from the channel, the markers, or a short reason', () => {
    const why = fieldPurposes(arret91);
    expect(Object.keys(why)).toEqual(arret91.donnees.champsMaximum);
    expect(why.telephone).toMatch(/^Canal téléphone : /);
    expect(why.marqueurs).toContain('Indemnité journalière faible');
    expect(why.adresse_ligne).toBe('Adresser le courrier présentant l’offre');
    for (const text of Object.values(why)) expect(text.length).toBeGreaterThan(10);
  });
});

describe('signed documents between two instances', () => {
  const cpamKey = generateSigningKey();
  const carsatKey = generateSigningKey();
  const trusted = async (org: string) => (org === 'cpam-83' ? { [cpamKey.keyId]: cpamKey.publicKeyPem } : org === 'carsat-sud-est' ? { [carsatKey.keyId]: carsatKey.publicKeyPem } : undefined);

  it('verifies the signer and detects a change', async () => {
    const doc = signConventionDocument({ etape: 'proposition', organisation: 'cpam-83', convention: ok(draft()) }, cpamKey);
    const v = await verifyConventionDocument(JSON.parse(JSON.stringify(doc)), trusted);
    expect(v.ok && v.document.convention.id).toBe('conv-test');
    const tampered = JSON.parse(JSON.stringify(doc));
    tampered.document.convention.champs.push('email');
    expect(await verifyConventionDocument(tampered, trusted)).toMatchObject({ ok: false, erreur: expect.stringContaining('Signature invalide') });
    const forged = signConventionDocument({ etape: 'proposition', organisation: 'cpam-83', convention: ok(draft()) }, carsatKey);
    expect(await verifyConventionDocument(forged, trusted)).toMatchObject({ ok: false, erreur: expect.stringContaining('Signataire inconnu') });
  });

  it.each<[string, () => [Convention | undefined, Convention, string, string], string | null]>([
    ['a new proposal signed by its proposer', () => [undefined, ok(draft()), 'cpam-83', 'carsat-sud-est'], null],
    ['a proposal already bearing our signature', () => [undefined, signed(), 'cpam-83', 'carsat-sud-est'], 'la seule signature'],
    ['the other party’s signature', () => [ok(draft()), signed(), 'carsat-sud-est', 'cpam-83'], null],
    ['changed terms', () => [ok(draft()), { ...signed(), champs: ['nom'] }, 'carsat-sud-est', 'cpam-83'], 'termes'],
    ['a signature made in our name', () => [ok(draft({ proposant: CARSAT })), signed(), 'carsat-sud-est', 'cpam-83'], 'votre organisme'],
    ['a notice given by the signer', () => [signed(), ok(denounceConvention(signed(), { ...CARSAT, date: '2027-01-01' })), 'carsat-sud-est', 'cpam-83'], null],
    ['a notice given in our name', () => [signed(), ok(denounceConvention(signed(), { ...CPAM, date: '2027-01-01' })), 'carsat-sud-est', 'cpam-83'], 'dénonciation'],
    ['a document between other organisations', () => [undefined, ok(draft()), 'cpam-83', 'caf-83'], 'ne concerne pas'],
  ])('%s', (_label, make, problem) => {
    const [local, incoming, signer, self] = make();
    const p = remoteStepProblem(local, incoming, signer, self);
    if (problem === null) expect(p).toBeNull(); else expect(p).toContain(problem);
  });
});
