import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedFields, type Convention } from '../../src/conventions/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../../src/extracts/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import {
  applyContactRules, findProgramme, joinSource, loadProgrammes, minimise, offerFor, parseProgramme, pseudonym,
  resolveRecipient, retentionDeadline, selectPerson, STAGE_CODES, targetingContext, withMarkers,
  type Programme, type Row,
} from '../../src/programmes/index.ts';

let programmes: Programme[];
const programme = (id: string) => findProgramme(programmes, id) as Programme;
beforeAll(() => { programmes = loadProgrammes(); });

/** A complete row of an extract, every column empty, then the given values. */
function row(kind: ExtractKind, values: Record<string, string>): Row {
  const out: Record<string, string> = {};
  for (const c of EXTRACT_FORMATS[kind].columns) out[c.name] = '';
  return { ...out, ...values };
}

describe('programme definitions', () => {
  it('loads every programme of SPEC.md from data/programmes without changing the engine', () => {
    expect(programmes.map((p) => p.id)).toEqual([
      'aidants', 'carsat-arret-91', 'carsat-parcours-prevention', 'carsat-pdp', 'carsat-sortie-hospitalisation', 'prado', 'separation',
    ]);
    for (const p of programmes) {
      expect(p.etapes[0]!.cohorte).toBe(true);
      expect(p.evenements.some((e) => e.code === 'opposition')).toBe(true);
      expect(p.baseLegale.length).toBeGreaterThan(0);
    }
    expect(Object.fromEntries(programmes.map((p) => [p.id, p.forme]))).toEqual({
      aidants: 'echange', 'carsat-arret-91': 'echange', 'carsat-parcours-prevention': 'echange', 'carsat-pdp': 'echange',
      'carsat-sortie-hospitalisation': 'signalement', prado: 'interne', separation: 'interne',
    });
  });

  it('writes the caregivers programme completely (IT 2025-098)', () => {
    const p = programme('aidants');
    expect(p.document).toMatchObject({ reference: 'IT 2025-098', seed: '001_1051cd3d4d228450.txt' });
    expect(p.expediteur.branche).toBe('caf');
    expect(p.destinataire).toMatchObject({ branche: 'cpam', resolution: { methode: 'organisme_competent_commune', champCommune: 'code_commune' } });
    expect(p.source).toMatchObject({ type: 'requete_mensuelle', fichier: 'caf_allocataires' });
    expect(p.donnees.transmission).toBe('nominative');
    expect(p.donnees.champsMaximum.slice(0, 3)).toEqual(['email', 'telephone', 'code_postal']);
    expect(p.donnees.champsMaximum).not.toContain('nir');
    expect(p.donnees.identifiant).toEqual({ champ: 'nir', pseudonyme: 'hmac-sha256' });
    expect(p.baseLegale.map((b) => b.reference)).toEqual(expect.arrayContaining(['CSS L.114-12', 'CRPA L.114-8 II']));
    expect(p.conservation.apresTraitementMois).toBe(1);
    expect(p.canaux.map((c) => [c.canal, c.par])).toEqual([['courriel', 'expediteur'], ['telephone', 'destinataire'], ['rendez_vous', 'destinataire']]);
    expect(p.offre.map((o) => o.code)).toEqual(expect.arrayContaining(['c2s', 'medecin-traitant', 'eps', 'misas', 'service-social-carsat', 'aides-ass', 'repit']));
    expect(p.etapes.map((e) => e.code)).toEqual([...STAGE_CODES]);
    expect(p.evenements.map((e) => e.code)).toEqual(expect.arrayContaining(['appel_joint', 'offre_acceptee', 'rdv_pris', 'rdv_honore', 'orientation']));
    expect(p.indicateurs.find((i) => i.code === 'transformation-appels')).toMatchObject({ numerateur: 'rdv_honores', denominateur: 'appeles' });
    expect(p.indicateurs.find((i) => i.code === 'transformation-joints')).toMatchObject({ numerateur: 'rdv_honores', denominateur: 'joints' });
  });

  it.each([
    ['separation', 'caf', null],
    ['prado', 'cpam', 'caf'],
    ['carsat-sortie-hospitalisation', 'carsat', null],
  ])('expresses "no personal data crosses" for %s', (id, expediteur, agregatsVers) => {
    const p = programme(id);
    expect(p.expediteur.branche).toBe(expediteur);
    expect(p.destinataire).toBeNull();
    expect(p.donnees).toMatchObject({ transmission: 'aucune', champsMaximum: [] });
    // an in-house list keeps its people under a pseudonym keyed by the holder's own key, never the NIR itself
    if (p.donnees.identifiant) expect(p.donnees.champsListe).not.toContain(p.donnees.identifiant.champ);
    expect(p.donnees.agregatsAnonymes?.vers ?? null).toBe(agregatsVers);
    expect(p.canaux.every((c) => c.par === 'expediteur')).toBe(true);
  });

  it.each([
    ['carsat-arret-91', 'cpam_arrets_travail'],
    ['carsat-pdp', 'cpam_assures'],
    ['carsat-parcours-prevention', 'cpam_assures'],
  ])('sends %s from the CPAM to the competent Carsat', (id, fichier) => {
    const p = programme(id);
    expect(p.expediteur.branche).toBe('cpam');
    expect(p.destinataire?.branche).toBe('carsat');
    expect(p.source.fichier).toBe(fichier);
  });

  it('links offer items only to offers that exist in the citizen catalogue (data/offres.json)', () => {
    const catalogue = new URL('../../data/offres.json', import.meta.url);
    if (!existsSync(catalogue)) return;
    const ids = new Set((JSON.parse(readFileSync(catalogue, 'utf8')) as { offres: { id: string }[] }).offres.map((o) => o.id));
    const missing = programmes.flatMap((p) => p.offre.filter((o) => o.catalogue && !ids.has(o.catalogue)).map((o) => `${p.id}:${o.catalogue}`));
    expect(missing).toEqual([]);
  });

  const aidants = () => JSON.parse(readFileSync(new URL('../../data/programmes/aidants.json', import.meta.url), 'utf8')) as Record<string, any>;
  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['a malformed month', (d) => { d.ciblage.regle.un[0].tous[1].dansLeMois = '2026-13'; }, 'aidants.json : ciblage.regle.un[0].tous[1].dansLeMois : mois AAAA-MM ou paramètre « $periode » attendu'],
    ['two operators', (d) => { d.ciblage.regle.un[1] = { champ: 'ajpa', egal: 'oui', dans: ['oui'] }; }, 'aidants.json : ciblage.regle.un[1] : un seul opérateur par comparaison (trouvés : egal, dans)'],
    ['an unknown column in a rule', (d) => { d.ciblage.regle.un[2].champ = 'ajpp_x'; }, 'aidants.json : ciblage.regle.un[2] : la colonne « ajpp_x » n\'existe pas dans la source (caf_allocataires + caf_ajpa_ajpp)'],
    ['an undeclared parameter', (d) => { d.ciblage.regle.un[2] = { champ: 'age_aide', auMoins: '$seuil' }; }, 'aidants.json : ciblage.regle.un[2] : le paramètre « $seuil » n\'est pas déclaré dans « parametres »'],
    ['an old-dialect key', (d) => { d.ciblage.regle = { any: [] }; }, 'aidants.json : ciblage.regle : clé(s) inconnue(s) : any ; une condition s\'écrit { tous }, { un }, { non }, { toujours: true } ou { champ, opérateur }'],
    ['an example on an unknown column', (d) => { d.ciblage.exemples = [{ faits: { ajpa_x: 'oui' }, attendu: true }]; }, 'aidants.json : ciblage.exemples[0].faits.ajpa_x : la colonne « ajpa_x » n\'existe pas dans la source'],
    ['an example without its expected result', (d) => { d.ciblage.exemples = [{ faits: { ajpa: 'oui' } }]; }, 'aidants.json : ciblage.exemples[0].attendu : true ou false attendu'],
    ['the NIR in clear', (d) => { d.donnees.champsMaximum.push('nir'); }, 'aidants.json : donnees.champsMaximum[6] : l\'identifiant « nir » ne circule jamais en clair : seul son pseudonyme est transmis'],
    ['an unknown source file', (d) => { d.source.fichier = 'caf_inconnu'; }, 'aidants.json : source.fichier : fichier source inconnu « caf_inconnu »'],
    ['a missing purpose', (d) => { delete d.finalite; }, 'aidants.json : finalite : valeur obligatoire manquante'],
    ['an unknown key', (d) => { d.couleur = 'bleu'; }, 'aidants.json : clé(s) inconnue(s) : couleur'],
    ['an unknown channel', (d) => { d.canaux[0].canal = 'pigeon'; }, 'aidants.json : canaux[0].canal : canal : « pigeon » n\'est pas admis'],
    ['a recipient channel on a field that does not cross', (d) => { d.canaux[1].champ = 'adresse_ligne'; }, 'aidants.json : canaux[1].champ : le destinataire ne reçoit pas « adresse_ligne »'],
    ['a recipient when nothing crosses', (d) => { d.donnees.transmission = 'aucune'; }, 'aidants.json : destinataire : aucune donnée personnelle ne circule : le destinataire doit être null'],
    ['an exchange that sends nothing', (d) => { d.forme = 'interne'; }, "aidants.json : forme : un programme « interne » ne transmet rien entre organismes"],
    ['an unknown shape', (d) => { d.forme = 'national'; }, 'aidants.json : forme : forme : « national » n\'est pas admis'],
    ['a first stage that is not the cohort', (d) => { d.etapes.reverse(); }, 'aidants.json : etapes[0] : la première étape compte toute la cohorte'],
    ['a stage naming an unknown event', (d) => { d.etapes[4].evenements = ['appel_rate']; }, 'aidants.json : etapes[4].evenements[0] : événement « appel_rate » inconnu ; événements du programme : offre_email_envoyee'],
    ['a stage that counts nothing', (d) => { delete d.etapes[4].evenements; }, 'aidants.json : etapes[4] : une étape dit ce qu’elle compte'],
    ['a stage on an unknown kind', (d) => { d.etapes[5].genres = ['adhesion']; }, 'aidants.json : etapes[5].genres[0] : genre : « adhesion » n\'est pas admis ; valeurs possibles : offre_envoyee, tentative'],
    ['an event on an unknown kind', (d) => { d.evenements[0].genre = 'courriel'; }, 'aidants.json : evenements[0].genre : genre : « courriel » n\'est pas admis'],
    ['an event code twice', (d) => { d.evenements.push({ ...d.evenements[3] }); }, 'aidants.json : evenements[15] : événement « appel_joint » en double'],
    ['a variant of another kind', (d) => { d.evenements[3].issue = 'annule'; }, 'aidants.json : evenements[3].issue : le genre « joint » (personne jointe) n\'a pas d\'issue'],
    ['an orientation without partner', (d) => { d.evenements[13].detail = 'note'; delete d.evenements[13].partenaires; }, 'aidants.json : evenements[13].detail : une orientation doit porter le partenaire'],
    ['an unknown partner', (d) => { d.evenements[13].partenaires = ['mairie']; }, 'aidants.json : evenements[13].partenaires[0] : partenaire : « mairie » n\'est pas admis'],
    ['an event on a channel the programme lacks', (d) => { d.evenements[3].canal = 'visite'; }, 'aidants.json : evenements[3].canal : le canal « visite » n\'est pas un canal du programme'],
    ['no opposition event', (d) => { d.evenements = d.evenements.filter((e: { code: string }) => e.code !== 'opposition'); }, 'aidants.json : evenements : l\'événement « opposition » est obligatoire'],
    ['an e-mail programme without the e-mail failure', (d) => { d.evenements = d.evenements.filter((e: { code: string }) => e.code !== 'offre_email_echec'); }, 'aidants.json : evenements : l\'événement « offre_email_echec » est obligatoire pour un programme qui écrit par courriel'],
    ['a system event of another kind', (d) => { d.evenements[0].genre = 'joint'; }, 'aidants.json : evenements[0] : l\'événement « offre_email_envoyee » est enregistré par Passerelle elle-même'],
    ['an unknown status in apres', (d) => { d.evenements[3].apres = ['rappele']; }, 'aidants.json : evenements[3].apres[0] : statut : « rappele » n\'est pas admis'],
    ['an indicator on a missing stage', (d) => { d.etapes = d.etapes.filter((e: { code: string }) => e.code !== 'joints'); }, 'aidants.json : indicateurs[1].denominateur : l\'étape « joints » n\'est pas une étape du programme'],
  ])('refuses %s with a French message naming file and path', (_label, change, message) => {
    const data = aidants();
    change(data);
    const result = parseProgramme(data, 'aidants.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.erreurs.some((e) => e.startsWith(message))).toBe(true);
  });

  it('refuses a file whose name is not its id', () => {
    expect(parseProgramme(aidants(), 'autre.json')).toEqual({ ok: false, erreurs: ['autre.json : id : l\'identifiant « aidants » doit être le nom du fichier (« autre »)'] });
  });
});

describe('caregivers targeting (AJPA and AJPP applicants of the month, whatever the decision, and beneficiaries)', () => {
  const allocataire = (numero: string, values: Record<string, string> = {}) => row('caf_allocataires', {
    departement_caf: '83', numero_allocataire: numero, nir: '275053417222689', nom: 'MARTIN', prenom: 'Claire',
    code_postal: '83000', code_commune: '83137', email: 'claire.martin@gmail.example', telephone: '0612345678',
    autorisation_contact_email: 'oui', autorisation_contact_telephone: 'oui', ajpa: 'non', ajpp: 'non', risque_violence: 'non', ...values,
  });
  const demande = (numero: string, prestation: string, date: string, decision: string) => row('caf_ajpa_ajpp', {
    departement_caf: '83', numero_allocataire: numero, prestation, date_demande: date, decision, lien_aide: 'parent', age_aide: '81', nombre_jours_demandes: '22',
  });

  it.each<[string, Row, Row[], string]>([
    ['an AJPA applicant refused this month is still selected', allocataire('1000001'), [demande('1000001', 'ajpa', '2026-11-05', 'refusee')], 'retenu'],
    ['an AJPA applicant granted this month', allocataire('1000002'), [demande('1000002', 'ajpa', '2026-11-12', 'accordee')], 'retenu'],
    ['an AJPP applicant whose claim is pending', allocataire('1000003'), [demande('1000003', 'ajpp', '2026-11-30', 'en_cours')], 'retenu'],
    ['an AJPP beneficiary without application this month', allocataire('1000004', { ajpp: 'oui' }), [], 'retenu'],
    ['an AJPA beneficiary', allocataire('1000005', { ajpa: 'oui' }), [], 'retenu'],
    ['an allocataire without AJPA or AJPP is not', allocataire('1000006'), [], 'non_cible'],
    ['an application of another month is not', allocataire('1000007'), [demande('1000007', 'ajpa', '2026-10-28', 'refusee')], 'non_cible'],
  ])('%s', (_label, alloc, demandes, statut) => {
    const p = programme('aidants');
    const candidates = joinSource(p, { caf_allocataires: [alloc], caf_ajpa_ajpp: demandes });
    expect(candidates).toHaveLength(1);
    expect(selectPerson(p, candidates[0]!.lignes, targetingContext(p, '2026-11')).statut).toBe(statut);
  });

  it('keeps a person once, with the application that matched, when they have several rows', () => {
    const p = programme('aidants');
    const [c] = joinSource(p, {
      caf_allocataires: [allocataire('1000008')],
      caf_ajpa_ajpp: [demande('1000008', 'ajpa', '2026-09-02', 'refusee'), demande('1000008', 'ajpp', '2026-11-03', 'accordee')],
    });
    expect(c!.lignes).toHaveLength(2);
    const s = selectPerson(p, c!.lignes, targetingContext(p, '2026-11'));
    expect(s.statut === 'retenu' && s.ligne.prestation).toBe('ajpp');
  });

  it('drops a main row without match when the join is mandatory', () => {
    const p = programme('separation');
    const separation = row('caf_separations', { departement_caf: '83', numero_allocataire: '1', date_declaration: '2026-11-03', enfant_a_charge: 'oui' });
    expect(joinSource(p, { caf_separations: [separation], caf_allocataires: [] })).toEqual([]);
    expect(joinSource(p, { caf_separations: [separation], caf_allocataires: [allocataire('1')] })[0]!.lignes[0]!.email).toBe('claire.martin@gmail.example');
  });
});

describe('Carsat day-91 targeting and precarity markers', () => {
  const arret = (values: Record<string, string>) => ({
    ...row('cpam_arrets_travail', { nir: '275053417222689', date_debut_arret: '2026-08-01', date_debut_indemnisation: '2026-08-04', nature: 'maladie', jours_indemnises: '119', ij_journaliere: '41,47', contrat_travail_en_cours: 'oui' }),
    ...row('cpam_assures', { nir: '275053417222689', complementaire: 'privee', ald: 'non', nombre_ayants_droit: '0', medecin_traitant: 'oui', invalidite: 'non' }),
    ...values,
  });
  it.each<[string, Record<string, string>, string, string[]]>([
    ['91st paid day in the month (2026-08-04 + 90 = 2026-11-02)', {}, 'retenu', []],
    ['91st paid day in the previous month', { date_debut_indemnisation: '2026-07-30' }, 'non_cible', []],
    ['leave ended before the 91st paid day', { jours_indemnises: '80', date_fin_arret: '2026-10-22' }, 'non_cible', []],
    ['low daily allowance', { ij_journaliere: '19,80' }, 'retenu', ['ij-faible']],
    ['low allowance per dependant', { ij_journaliere: '30,00', nombre_ayants_droit: '3' }, 'retenu', ['ij-faible-par-personne-a-charge']],
    ['C2S', { complementaire: 'c2s_participation' }, 'retenu', ['c2s']],
    ['long-term illness', { ald: 'oui' }, 'retenu', ['ald']],
  ])('%s', (_label, values, statut, marqueurs) => {
    const p = programme('carsat-arret-91');
    const s = selectPerson(p, arret(values), targetingContext(p, '2026-11'));
    expect(s.statut).toBe(statut);
    if (s.statut === 'retenu') {
      expect(s.marqueurs).toEqual(marqueurs);
      const offre = offerFor(p, s.marqueurs).map((o) => o.code);
      expect(offre.includes('accompagnement-individuel')).toBe(marqueurs.length > 0);
      expect(offre).toContain('information-socle');
    }
  });

  it('lets a territory override a threshold', () => {
    const p = programme('carsat-arret-91');
    const s = selectPerson(p, arret({ ij_journaliere: '28,00' }), targetingContext(p, '2026-11', { seuilIjFaible: 30 }));
    expect(s.statut === 'retenu' && s.marqueurs).toEqual(['ij-faible']);
  });
});

describe('Carsat PDP targeting (P2): sick leave on its 60th paid day, or passing into invalidity, with a contract', () => {
  const person = (values: Record<string, string>) => ({
    ...row('cpam_assures', { nir: '175053417222654', invalidite: 'non', complementaire: 'privee', ald: 'non', medecin_traitant: 'oui', nombre_ayants_droit: '0' }),
    ...row('cpam_arrets_travail', {}),
    ...row('cpam_invalidite', {}),
    ...values,
  });
  const leave = { date_debut_arret: '2026-09-01', date_debut_indemnisation: '2026-09-04', nature: 'maladie', jours_indemnises: '88', contrat_travail_en_cours: 'oui' };
  const pension = { invalidite: 'oui', categorie_invalidite: '2', date_debut_pension_invalidite: '2026-11-01', contrat_travail_maintenu: 'oui', arret_travail_en_cours: 'non' };
  it.each<[string, Record<string, string>, string, string[]]>([
    ['60th paid day in the month (2026-09-04 + 59 = 2026-11-02), contract held', leave, 'retenu', []],
    ['60th paid day, contract lost', { ...leave, contrat_travail_en_cours: 'non' }, 'non_cible', []],
    ['60th paid day, leave already ended', { ...leave, date_fin_arret: '2026-11-20' }, 'non_cible', []],
    ['invalidity pension starting in the month, contract kept, no current leave', pension, 'retenu', ['invalidite', 'passage-invalidite']],
    ['invalidity pension starting in the month, contract lost', { ...pension, contrat_travail_maintenu: 'non' }, 'non_cible', []],
    ['invalidity pension of an earlier month (the stock)', { ...pension, date_debut_pension_invalidite: '2024-03-01' }, 'non_cible', []],
    ['invalidity pension with a current sick leave not on its 60th day', { ...pension, arret_travail_en_cours: 'oui', ...leave, date_debut_indemnisation: '2026-06-01' }, 'non_cible', []],
    ['nothing', {}, 'non_cible', []],
  ])('%s', (_label, values, statut, marqueurs) => {
    const p = programme('carsat-pdp');
    const s = selectPerson(p, person(values), targetingContext(p, '2026-11'));
    expect(s.statut).toBe(statut);
    if (s.statut === 'retenu') expect(s.marqueurs).toEqual(marqueurs);
  });
});

describe('Carsat prevention pathway (P4): C2S, and resources under or just above the C2S ceiling', () => {
  const assure = (values: Record<string, string>) => row('cpam_assures', {
    nir: '275053417222689', complementaire: 'privee', medecin_traitant: 'oui', ressources_annuelles: '30000', coefficient_foyer_c2s: '1', ...values,
  });
  it.each<[string, Record<string, string>, string, string[]]>([
    ['C2S without contribution', { complementaire: 'c2s', ressources_annuelles: '8000' }, 'retenu', []],
    ['C2S with contribution', { complementaire: 'c2s_participation', ressources_annuelles: '12000' }, 'retenu', ['c2s-participation']],
    ['no C2S, resources under the ceiling (non-take-up)', { complementaire: 'aucune', ressources_annuelles: '13957' }, 'retenu', ['eligible-c2s-sans-droit']],
    ['private cover, just above the ceiling', { ressources_annuelles: '15000,50' }, 'retenu', ['proche-plafond-c2s']],
    ['a couple (× 1.5) just above its ceiling', { ressources_annuelles: '22500', coefficient_foyer_c2s: '1,5' }, 'retenu', ['proche-plafond-c2s']],
    ['the same resources for one person: far above', { ressources_annuelles: '22500' }, 'non_cible', []],
    ['resources unknown, no C2S', { ressources_annuelles: '' }, 'non_cible', []],
    ['no médecin traitant is a marker', { complementaire: 'c2s', medecin_traitant: 'non' }, 'retenu', ['sans-medecin-traitant']],
  ])('%s', (_label, values, statut, marqueurs) => {
    const p = programme('carsat-parcours-prevention');
    const s = selectPerson(p, assure(values), targetingContext(p, '2026-11'));
    expect(s.statut).toBe(statut);
    if (s.statut === 'retenu') expect(s.marqueurs).toEqual(marqueurs);
  });

  it('dates the C2S ceiling and lets a territory (a DROM) raise it', () => {
    const p = programme('carsat-parcours-prevention');
    expect(p.parametres.plafondC2sParticipation).toMatchObject({ valeur: 13957, dateEffet: '2025-04-01' });
    const s = selectPerson(p, assure({ ressources_annuelles: '16000' }), targetingContext(p, '2026-11', { plafondC2sParticipation: 15535, limiteProcheDuPlafond: 17089 }));
    expect(s.statut === 'retenu' && s.marqueurs).toEqual(['proche-plafond-c2s']);
  });
});

describe('PRADO targeting: eligible mothers of the month who did not refuse the visit', () => {
  const stay = (values: Record<string, string>) => row('cpam_sejours_maternite', {
    nir_mere: '290053417222640', date_accouchement: '2026-11-12', eligible_prado: 'oui', chambre: '214', date_sortie_prevue: '2026-11-15', refus_visite: 'non', ...values,
  });
  it.each<[string, Record<string, string>, string]>([
    ['eligible', {}, 'retenu'],
    ['eligible, refused the visit', { refus_visite: 'oui' }, 'exclu'],
    ['an older extract without the column', { refus_visite: '' }, 'retenu'],
    ['twins', { eligible_prado: 'non', motif_non_eligibilite: 'naissance_multiple' }, 'non_cible'],
  ])('%s', (_label, values, statut) => {
    const p = programme('prado');
    expect(selectPerson(p, stay(values), targetingContext(p, '2026-11')).statut).toBe(statut);
  });
});

describe('minimisation and contact rules', () => {
  const convention = (champs: string[]): Convention => ({
    id: 'conv-83-aidants', parties: { expediteur: 'caf-83', destinataire: 'cpam-83' }, programmes: ['aidants'], champs,
    baseLegale: 'L.114-12 CSS', dateDebut: '2025-06-01', avenants: [], resiliation: null,
  });
  const person: Row = {
    nir: '275053417222689', nom: 'MARTIN', prenom: 'Claire', email: 'claire.martin@gmail.example', telephone: '0612345678',
    code_postal: '83000', adresse_ligne: '12 rue des Lilas', prestation: 'ajpa', ajpa: 'non',
  };
  it.each<[string, string[], Record<string, string>]>([
    ['only the intersection crosses', ['email', 'telephone', 'code_postal'], { email: 'claire.martin@gmail.example', telephone: '0612345678', code_postal: '83000' }],
    ['a field in the convention but not in the programme never crosses', ['email', 'adresse_ligne', 'nir', 'ajpa'], { email: 'claire.martin@gmail.example' }],
    ['a field the programme allows crosses only if the convention lists it', ['code_postal', 'nom', 'prenom'], { code_postal: '83000', nom: 'MARTIN', prenom: 'Claire' }],
    ['nothing listed, nothing crosses', [], {}],
  ])('%s', (_label, champs, expected) => {
    const allowed = allowedFields(programme('aidants'), convention(champs), '2026-11-15');
    expect(minimise(person, allowed)).toEqual(expected);
  });

  it('writes an allowed but absent field empty', () => {
    expect(minimise({ email: 'a@b.example' }, ['email', 'telephone'])).toEqual({ email: 'a@b.example', telephone: '' });
  });

  it('sends the markers as codes, not the health data behind them', () => {
    const p = programme('carsat-arret-91');
    const withCodes = withMarkers({ nom: 'DURAND', ald: 'oui', ij_journaliere: '19,80' }, ['ij-faible', 'ald']);
    expect(minimise(withCodes, p.donnees.champsMaximum)).toMatchObject({ nom: 'DURAND', marqueurs: 'ij-faible,ald' });
    expect(minimise(withCodes, p.donnees.champsMaximum)).not.toHaveProperty('ald');
  });

  const base = { email: 'foyer@gmail.example', telephone: '0612345678', autorisation_contact_email: 'oui', autorisation_contact_telephone: 'oui', risque_violence: 'non', canal_sur: '', canal_sur_valeur: '' };
  it.each<[string, Record<string, string>, { email: string; telephone: string } | null]>([
    ['both authorisations', {}, { email: 'foyer@gmail.example', telephone: '0612345678' }],
    ['no phone authorisation: the number is not sent', { autorisation_contact_telephone: 'non' }, { email: 'foyer@gmail.example', telephone: '' }],
    ['at risk with a safe phone: only the safe phone', { risque_violence: 'oui', canal_sur: 'telephone', canal_sur_valeur: '0798765432' }, { email: '', telephone: '0798765432' }],
    ['at risk with a safe e-mail: only the safe e-mail', { risque_violence: 'oui', canal_sur: 'email', canal_sur_valeur: 'sur@laposte.example' }, { email: 'sur@laposte.example', telephone: '' }],
    ['at risk without a safe channel: not contacted', { risque_violence: 'oui' }, null],
  ])('%s', (_label, values, expected) => {
    const result = applyContactRules(programme('aidants'), { ...base, ...values });
    if (expected === null) expect(result.ok).toBe(false);
    else {
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect({ email: result.ligne.email, telephone: result.ligne.telephone }).toEqual(expected);
        expect(result.ligne.canal_sur_valeur).toBe('');
      }
    }
  });
});

describe('keyed pseudonym (HMAC-SHA-256, hex)', () => {
  const key = 'cle-de-test-convention-aidants-83-0123456789';
  it('matches the HMAC-SHA-256 reference value (openssl dgst -sha256 -hmac)', () => {
    expect(pseudonym(key, '275053417222689')).toBe('05937fbec8d1ec854b3962b59b513e77d14f4ca2d7d1ecf64f38b984c2691850');
  });
  it('recognises a person sent in two months, whatever the spacing', () => {
    expect(pseudonym(Buffer.from(key), '2 75 05 34 172 226 89')).toBe(pseudonym(key, '275053417222689'));
  });
  it('differs from one convention key to another', () => {
    expect(pseudonym(`${key}-autre`, '275053417222689')).not.toBe(pseudonym(key, '275053417222689'));
  });
  it('refuses a short key', () => {
    expect(() => pseudonym('trop-courte', '275053417222689')).toThrow(/32 octets/);
  });
});

describe('recipient resolution', () => {
  const lookup = {
    parCommune: (code: string) => ({ '83137': 'cpam-83', '59183': 'cpam-59-flandres' } as Record<string, string>)[code] ?? null,
    parCodePostal: (cp: string) => ({ '83000': ['cpam-83'], '59000': ['cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing'] } as Record<string, string[]>)[cp] ?? [],
  };
  it.each<[string, Record<string, string>, string | null]>([
    ['by commune', { code_commune: '59183', code_postal: '59140' }, 'cpam-59-flandres'],
    ['by postal code when the commune is unknown', { code_commune: '', code_postal: '83000' }, 'cpam-83'],
    ['ambiguous postal code', { code_commune: '', code_postal: '59000' }, null],
    ['nothing known', { code_commune: '99999', code_postal: '00000' }, null],
  ])('%s', (_label, values, expected) => {
    const r = resolveRecipient(programme('aidants'), values, lookup);
    expect(r.ok ? r.organisation : null).toBe(expected);
  });
  it('has no recipient for a programme where nothing crosses', () => {
    expect(resolveRecipient(programme('prado'), {}, lookup)).toMatchObject({ ok: false });
  });
});

describe('retention deadline', () => {
  const rule = { apresTraitementMois: 1, maximumApresImportJours: 92 };
  it.each<[string, { importedAt: string | Date; processedAt: string | Date | null; maxDays?: number | null }, string]>([
    ['one month after processing', { importedAt: '2026-11-03', processedAt: '2026-11-20' }, '2026-12-20'],
    ['not processed: the maximum after import', { importedAt: '2026-11-03', processedAt: null }, '2027-02-03'],
    ['processed late: still the maximum after import', { importedAt: '2026-11-03', processedAt: '2027-01-25' }, '2027-02-03'],
    ['a configured maximum', { importedAt: '2026-11-03', processedAt: null, maxDays: 30 }, '2026-12-03'],
    ['end of month', { importedAt: '2026-12-01', processedAt: '2027-01-31' }, '2027-02-28'],
    ['timestamps', { importedAt: new Date('2026-11-03T23:30:00Z'), processedAt: new Date('2026-11-20T08:00:00Z') }, '2026-12-20'],
  ])('%s', (_label, input, expected) => {
    expect(retentionDeadline(input, rule)).toBe(expected);
  });
});

describe('against the synthetic extracts', () => {
  let dir: string;
  const read = (kind: ExtractKind): Row[] => parse(readFileSync(join(dir, EXTRACT_FORMATS[kind].fileName), 'utf8'), { delimiter: ';', columns: true }) as Row[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-programmes-'));
    await generateExtracts({ departement: '48', month: '2026-11', outDir: dir, scale: 0.01, seed: 3, people: { ajpa: 40, ajpp: 20, arret: 1500, separation: 30, naissance: 20, sortie_hospitalisation: 20 } });
  }, 60_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('selects every AJPA and AJPP applicant of the month, whatever the decision', () => {
    const p = programme('aidants');
    const demandes = read('caf_ajpa_ajpp');
    const candidates = joinSource(p, { caf_allocataires: read('caf_allocataires'), caf_ajpa_ajpp: demandes });
    const ctx = targetingContext(p, '2026-11');
    const retained = new Set(candidates.filter((c) => selectPerson(p, c.lignes, ctx).statut === 'retenu').map((c) => c.cle));
    const applicants = new Set(demandes.map((d) => `${d.departement_caf}|${d.numero_allocataire}`));
    expect(applicants.size).toBe(60);
    for (const a of applicants) expect(retained.has(a)).toBe(true);
    expect(new Set(demandes.map((d) => d.decision))).toEqual(new Set(['accordee', 'refusee', 'en_cours']));
  });

  it('finds the sick leaves whose 91st paid day is in the month', () => {
    const p = programme('carsat-arret-91');
    const candidates = joinSource(p, { cpam_arrets_travail: read('cpam_arrets_travail'), cpam_assures: read('cpam_assures') });
    expect(candidates).toHaveLength(1500);
    const ctx = targetingContext(p, '2026-11');
    const retained = candidates.filter((c) => selectPerson(p, c.lignes, ctx).statut === 'retenu');
    expect(retained.length).toBeGreaterThan(10);
    expect(retained.length).toBeLessThan(150);
  });

  it('targets the maternity stays, separations and discharge signalements of the month', () => {
    const ctxOf = (p: Programme) => targetingContext(p, '2026-11');
    const prado = programme('prado');
    const stays = joinSource(prado, { cpam_sejours_maternite: read('cpam_sejours_maternite') });
    expect(stays.filter((c) => selectPerson(prado, c.lignes, ctxOf(prado)).statut === 'retenu').length).toBe(stays.filter((c) => c.lignes[0]!.eligible_prado === 'oui').length);
    const sep = programme('separation');
    const separations = joinSource(sep, { caf_separations: read('caf_separations'), caf_allocataires: read('caf_allocataires') });
    expect(separations).toHaveLength(30);
    expect(separations.filter((c) => selectPerson(sep, c.lignes, ctxOf(sep)).statut === 'retenu').length).toBe(separations.filter((c) => c.lignes[0]!.enfant_a_charge === 'oui').length);
    const hosp = programme('carsat-sortie-hospitalisation');
    const signalements = joinSource(hosp, { etablissements_signalements_sortie: read('etablissements_signalements_sortie') });
    expect(signalements.every((c) => selectPerson(hosp, c.lignes, ctxOf(hosp)).statut === 'retenu')).toBe(true);
  });
});

describe('against one generated Var month (département 83, 2026-11, default scale)', () => {
  // The whole month as `npx passerelle generate --departement 83 --mois 2026-11` writes it
  // (≈ 776 000 people, 200 MB). Large files are read in chunks so memory stays bounded.
  const PERIODE = '2026-11';
  let dir: string;
  const counts: Record<string, { cibles: number; marqueurs: Record<string, number> }> = {};

  function* lines(kind: ExtractKind): Generator<Row> {
    const text = readFileSync(join(dir, EXTRACT_FORMATS[kind].fileName), 'utf8');
    expect(text.includes('"'), kind).toBe(false); // no quoted field: a plain split is exact
    let start = text.indexOf('\n') + 1;
    const header = text.slice(0, start - 1).split(';');
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      const cells = text.slice(start, end).split(';');
      const out: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) out[header[i] as string] = cells[i] as string;
      yield out;
      start = end + 1;
    }
  }

  const BIG = new Set<ExtractKind>(['cpam_assures', 'caf_allocataires', 'carsat_retraites']);
  /** Targets a programme on the generated files: the main file in chunks when it is large, joins restricted to the main rows' keys otherwise. */
  function target(p: Programme): { cibles: number; marqueurs: Record<string, number> } {
    const ctx = targetingContext(p, PERIODE);
    const result = { cibles: 0, marqueurs: {} as Record<string, number> };
    const select = (tables: Record<string, Row[]>) => {
      for (const c of joinSource(p, tables)) {
        const s = selectPerson(p, c.lignes, ctx);
        if (s.statut !== 'retenu') continue;
        result.cibles++;
        for (const m of s.marqueurs) result.marqueurs[m] = (result.marqueurs[m] ?? 0) + 1;
      }
    };
    const main = p.source.fichier;
    if (BIG.has(main)) {
      const joined = Object.fromEntries(p.source.jointures.map((j) => [j.fichier, [...lines(j.fichier)]]));
      let chunk: Row[] = [];
      for (const row of lines(main)) {
        chunk.push(row);
        if (chunk.length === 50_000) { select({ ...joined, [main]: chunk }); chunk = []; }
      }
      select({ ...joined, [main]: chunk });
    } else {
      const mainRows = [...lines(main)];
      const tables: Record<string, Row[]> = { [main]: mainRows };
      for (const j of p.source.jointures) {
        const keys = new Set(mainRows.map((r) => j.cle.map((k) => r[k] ?? '').join('|')));
        tables[j.fichier] = [];
        for (const r of lines(j.fichier)) if (keys.has(j.cle.map((k) => r[k] ?? '').join('|'))) tables[j.fichier]!.push(r);
      }
      select(tables);
    }
    return result;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-var-'));
    await generateExtracts({ departement: '83', month: PERIODE, outDir: dir });
    for (const p of programmes) counts[p.id] = target(p);
    console.log(`Var ${PERIODE}, échelle 1 — personnes ciblées par programme :\n${JSON.stringify(counts, null, 1)}`);
  }, 600_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  // Plausible ranges for the Var (1.6 % of the population), from the volumes of docs/extract-formats.md.
  it.each<[string, number, number]>([
    ['aidants', 100, 600], // 39 applicants of the month + AJPA/AJPP beneficiaries
    ['separation', 250, 600], // 486 separations, 84 % with a child
    ['prado', 500, 1_000], // 900 births, ≈ 90 % eligible, 4 % refuse the visit
    ['carsat-arret-91', 400, 1_500], // 27 839 paid sick leaves, ≈ 3 % on their 91st paid day
    ['carsat-pdp', 500, 3_000], // 60th paid day with a contract, and the month's new invalidity pensions
    ['carsat-parcours-prevention', 60_000, 160_000], // the C2S stock, plus those under or just above the ceiling
    ['carsat-sortie-hospitalisation', 40, 150], // ≈ 80 signalements, each with a criterion
  ])('%s targets a plausible population', (id, min, max) => {
    expect(counts[id]!.cibles).toBeGreaterThanOrEqual(min);
    expect(counts[id]!.cibles).toBeLessThanOrEqual(max);
  });

  it('finds, for P2, people passing into invalidity without a current sick leave', () => {
    expect(counts['carsat-pdp']!.marqueurs['passage-invalidite']).toBeGreaterThanOrEqual(15);
    expect(counts['carsat-pdp']!.marqueurs['passage-invalidite']).toBeLessThanOrEqual(100);
  });

  it('finds, for P4, insured people without C2S under the ceiling and just above it', () => {
    const m = counts['carsat-parcours-prevention']!.marqueurs;
    expect(m['eligible-c2s-sans-droit']).toBeGreaterThan(10_000);
    expect(m['proche-plafond-c2s']).toBeGreaterThan(5_000);
    expect(m['proche-plafond-c2s']).toBeLessThan(m['eligible-c2s-sans-droit']!);
  });

  it('marks retirees in GIR 5–6 for the ARDH among the discharge signalements', () => {
    expect(counts['carsat-sortie-hospitalisation']!.marqueurs.ardh).toBeGreaterThan(10);
  });
});
