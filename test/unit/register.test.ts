import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Convention } from '../../src/conventions/index.ts';
import { registerCsv, registerEntries, dataCategories, REGISTER_CSV_COLUMNS, type RegisterEntry } from '../../src/privacy/register.ts';
import { loadProgrammes, type Programme } from '../../src/programmes/index.ts';

let programmes: Programme[];
beforeAll(() => { programmes = loadProgrammes(); });

const conventions: Convention[] = [
  {
    id: 'conv-83-aidants', parties: { expediteur: 'caf-83', destinataire: 'cpam-83' }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal', 'adresse_ligne'], baseLegale: 'Convention locale Caf–CPAM du Var (modèle LR 2023-001)',
    dateDebut: '2025-06-01', avenants: [{ date: '2026-01-01', objet: 'Ajout du prénom', champs: ['email', 'telephone', 'code_postal', 'adresse_ligne', 'prenom'] }], resiliation: null,
  },
  {
    id: 'conv-59-aidants', parties: { expediteur: 'caf-59', destinataire: 'cpam-59-flandres' }, programmes: ['aidants'],
    champs: ['email', 'telephone', 'code_postal'], baseLegale: 'Convention locale Caf du Nord – CPAM des Flandres',
    dateDebut: '2024-03-01', avenants: [], resiliation: { notifieeLe: '2026-01-10' },
  },
];
const noms = { 'caf-83': 'Caf du Var', 'cpam-83': 'CPAM du Var' };

describe('processing register', () => {
  let entries: RegisterEntry[];
  beforeAll(() => { entries = registerEntries(programmes, conventions, { date: '2026-11-15', noms }); });

  it('has one entry per programme and convention covering it, and a model entry otherwise', () => {
    expect(entries.map((e) => e.reference)).toEqual([
      'aidants/conv-83-aidants',
      'carsat-arret-91/modele', 'carsat-parcours-prevention/modele', 'carsat-pdp/modele', 'carsat-sortie-hospitalisation/modele',
      'prado/modele', 'separation/modele',
    ]);
    const withTerminated = registerEntries(programmes, conventions, { date: '2026-11-15', inclureResiliees: true });
    expect(withTerminated.filter((e) => e.programme === 'aidants').map((e) => e.reference)).toEqual(['aidants/conv-59-aidants', 'aidants/conv-83-aidants']);
  });

  it('describes the caregivers’ processing under the Var convention', () => {
    const e = entries.find((x) => x.reference === 'aidants/conv-83-aidants')!;
    expect(e.responsableTraitement).toBe('Caf du Var (caf-83) (transmission) ; CPAM du Var (cpam-83) pour son propre traitement des données reçues');
    expect(e.finalite).toMatch(/non-recours/);
    expect(e.baseLegale).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Article L\.114-12 du code de la sécurité sociale/),
      expect.stringMatching(/^Article L\.114-8 II du code des relations entre le public et l'administration/),
      'Convention locale conv-83-aidants : Convention locale Caf–CPAM du Var (modèle LR 2023-001)',
    ]));
    expect(e.categoriesPersonnes).toMatch(/AJPA.*AJPP/);
    // The address is in the convention but not in the programme: it never crosses.
    expect(e.champsTransmis).toEqual(['email', 'telephone', 'code_postal', 'prenom']);
    expect(e.categoriesDonnees.find((c) => c.categorie === 'Coordonnées')?.champs).toEqual(['email', 'telephone', 'code_postal', 'code_commune']);
    expect(e.categoriesDonnees.find((c) => c.categorie === 'Identification')?.champs).toEqual(['nir', 'prenom']);
    expect(e.donneesSensibles).toBe(true); // the safe-channel data of people at risk of violence
    expect(e.destinataires[0]).toMatch(/^CPAM du Var \(cpam-83\) : /);
    expect(e.conservation).toMatch(/un mois après traitement/);
    expect(e.statutConvention).toMatch(/^active \(2e année/);
    expect(e.mesuresSecurite).toEqual(expect.arrayContaining([
      expect.stringMatching(/paquet scellé, chiffré/),
      expect.stringMatching(/Pseudonyme HMAC-SHA-256/),
      expect.stringMatching(/Journal d’audit chaîné/),
      expect.stringMatching(/Destruction automatique/),
    ]));
    expect(e.transfertsHorsUE).toBe('Aucun transfert hors de l’Union européenne');
  });

  it('says that nothing crosses for PRADO, with anonymous aggregates to the Caf', () => {
    const e = entries.find((x) => x.reference === 'prado/modele')!;
    expect(e.champsTransmis).toEqual([]);
    expect(e.destinataires[0]).toBe('Aucun autre organisme ne reçoit de données personnelles');
    expect(e.destinataires[1]).toMatch(/^Agrégats anonymes uniquement vers la Caf/);
    expect(e.baseLegale[0]).toMatch(/Décret n° 2012-1249/);
  });

  it('flags health data as sensitive', () => {
    expect(dataCategories(['ald', 'email'])).toEqual([
      { categorie: 'Coordonnées', champs: ['email'], sensible: false },
      { categorie: 'Santé (donnée sensible, art. 9 RGPD)', champs: ['ald'], sensible: true },
    ]);
    expect(entries.find((x) => x.programme === 'carsat-arret-91')?.donneesSensibles).toBe(true);
  });

  it('serialises to CSV that a spreadsheet and a CSV reader read back', () => {
    const csv = registerCsv(entries, { bom: true });
    expect(csv.startsWith('\ufeffRéférence;Programme;Document source;Convention;')).toBe(true);
    const rows = parse(csv.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(entries.length);
    expect(Object.keys(rows[0]!)).toEqual(REGISTER_CSV_COLUMNS.map((c) => c.titre));
    const aidants = rows.find((r) => r['Référence'] === 'aidants/conv-83-aidants')!;
    expect(aidants['Champs transmis']).toBe('email, telephone, code_postal, prenom');
    expect(aidants['Données sensibles']).toBe('oui');
    expect(rows.find((r) => r['Référence'] === 'separation/modele')!['Convention']).toBe('aucune (fiche modèle)');
  });
});
