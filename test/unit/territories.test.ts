import { beforeAll, describe, expect, it } from 'vitest';
import { avecArticle, loadReferenceData, parseCompetenceCsv, parsePostalCode, type ReferenceData } from '../../src/territories/index.ts';

/** The same lookup the database does, over the in-memory reference data (pure). */
function lookup(data: ReferenceData, cp: string) {
  const orgs = new Map(data.organisations.map((o) => [o.code, o]));
  return data.communes.filter((c) => c.codesPostaux.includes(cp)).map((c) => {
    const of = (b: string) => orgs.get(data.competences.find((k) => k.commune === c.code && k.branche === b)?.organisation ?? '')?.code;
    return { nom: c.nom, caf: of('caf'), cpam: of('cpam'), carsat: of('carsat') };
  });
}

describe('territories reference data', () => {
  let data: ReferenceData;
  beforeAll(() => { data = loadReferenceData(); });

  it('has every commune of metropole and DROM with a Caf, a CPAM and a Carsat', () => {
    expect(data.communes.length).toBeGreaterThan(34_000);
    const byCommune = new Map<string, Set<string>>();
    for (const k of data.competences) (byCommune.get(k.commune) ?? byCommune.set(k.commune, new Set()).get(k.commune)!).add(k.branche);
    const incomplete = data.communes.filter((c) => byCommune.get(c.code)?.size !== 3);
    expect(incomplete).toEqual([]);
  });

  it('counts the national network', () => {
    const count = (type: string) => data.organisations.filter((o) => o.type === type).length;
    expect(count('caf')).toBe(98); // 101 départements minus Lozère, Hautes-Alpes (caisses communes) and Mayotte (CSS)
    expect(count('cpam')).toBe(98); // 96 metropolitan minus 2 caisses communes, plus 4 in Nord and 2 in Pas-de-Calais minus 2
    expect(count('cgss')).toBe(4);
    expect(count('carsat')).toBe(16);
  });

  it.each([
    ['59140', 'Dunkerque', 'caf-59', 'cpam-59-flandres', 'carsat-hauts-de-france'],
    ['83000', 'Toulon', 'caf-83', 'cpam-83', 'carsat-sud-est'],
    ['59100', 'Roubaix', 'caf-59', 'cpam-59-roubaix-tourcoing', 'carsat-hauts-de-france'],
    ['59300', 'Valenciennes', 'caf-59', 'cpam-59-hainaut', 'carsat-hauts-de-france'],
    ['62300', 'Lens', 'caf-62', 'cpam-62-artois', 'carsat-hauts-de-france'],
    ['62100', 'Calais', 'caf-62', 'cpam-62-cote-opale', 'carsat-hauts-de-france'],
    ['75015', 'Paris', 'caf-75', 'cpam-75', 'cramif'],
    ['97400', 'Saint-Denis', 'caf-974', 'cgss-974', 'cgss-974'],
    ['97600', 'Mamoudzou', 'css-976', 'css-976', 'css-976'],
    ['05000', 'Gap', 'ccss-05', 'ccss-05', 'carsat-sud-est'],
    ['20200', 'Bastia', 'caf-2B', 'cpam-2B', 'carsat-sud-est'],
  ])('%s → %s: %s, %s, %s', (cp, nom, caf, cpam, carsat) => {
    expect(lookup(data, cp)).toContainEqual({ nom, caf, cpam, carsat });
  });

  it('names organisations with the right French article', () => {
    expect(avecArticle('Var', 2)).toBe('du Var');
    expect(avecArticle('Gironde', 3)).toBe('de la Gironde');
    expect(avecArticle('Ain', 5)).toBe("de l'Ain");
    expect(avecArticle('Landes', 4)).toBe('des Landes');
    expect(avecArticle('Paris', 0)).toBe('de Paris');
    expect(data.organisations.find((o) => o.code === 'caf-13')?.nom).toBe('Caf des Bouches-du-Rhône');
  });
});

describe('postal code input', () => {
  it.each(['83000', ' 59140 '])('accepts %j', (input) => expect(parsePostalCode(input)).toEqual({ ok: true, value: input.trim() }));
  it.each(['8300', '830000', '83 000', 'abcde', ''])('refuses %j with a French message', (input) => {
    expect(parsePostalCode(input)).toEqual({ ok: false, erreur: expect.stringMatching(/5 chiffres/) });
  });
});

describe('competence corrections CSV', () => {
  const known = { communes: new Set(['83137', '59183']), organisations: new Map([['cpam-83', 'cpam'], ['caf-83', 'caf'], ['cgss-971', 'cgss']]) };
  it('keeps good rows and reports each bad one with its line', () => {
    const result = parseCompetenceCsv([
      ['commune', 'branche', 'organisation'],
      ['83137', 'cpam', 'cpam-83'],
      ['83137', 'cpam'],
      ['59183', 'carsat', 'cgss-971'],
      ['59183', 'caf', 'inconnue'],
    ], known);
    expect(result.valides).toEqual([
      { ligne: 2, commune: '83137', branche: 'cpam', organisation: 'cpam-83' },
      { ligne: 4, commune: '59183', branche: 'carsat', organisation: 'cgss-971' },
    ]);
    expect(result.rejetees).toEqual([
      { ligne: 3, raison: '3 colonnes attendues, 2 trouvées' },
      { ligne: 5, raison: 'organisation inconnue : « inconnue »' },
    ]);
  });
  it('refuses a file without the expected header', () => {
    expect(parseCompetenceCsv([['a', 'b', 'c']], known).rejetees[0]).toEqual({ ligne: 1, raison: 'en-tête attendu : commune;branche;organisation' });
  });
});
