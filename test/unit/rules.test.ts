import { describe, expect, it } from 'vitest';
import { compileRule, evaluateRule, exampleFailures, ruleFields, ruleParameters, ruleProblems, RuleError, type Faits, type Regle } from '../../src/rules/index.ts';

describe('the one rule language: evaluation', () => {
  const ctx = { periode: '2026-11', parametres: { seuil: 25, plafond: '13957' } };
  it.each<[string, Regle, Faits, boolean]>([
    // extract rows (text cells)
    ['egal', { champ: 'a', egal: 'oui' }, { a: 'oui' }, true],
    ['egal, other value', { champ: 'a', egal: 'oui' }, { a: 'non' }, false],
    ['egal, a number against a decimal comma', { champ: 'a', egal: 41.47 }, { a: '41,47' }, true],
    ['different on an empty cell', { champ: 'a', different: 'aucun' }, { a: '' }, true],
    ['different on a missing fact', { champ: 'a', different: 'aucun' }, {}, true],
    ['dans', { champ: 'a', dans: ['c2s', 'c2s_participation'] }, { a: 'c2s_participation' }, true],
    ['dans with a number', { champ: 'gir', dans: [5, 6] }, { gir: '6' }, true],
    ['horsDe', { champ: 'a', horsDe: ['c2s'] }, { a: 'privee' }, true],
    ['vide', { champ: 'a', vide: true }, { a: ' ' }, true],
    ['not vide', { champ: 'a', vide: false }, { a: '' }, false],
    ['a missing fact is empty', { champ: 'absente', vide: true }, {}, true],
    ['inferieur with a parameter and a decimal comma', { champ: 'ij', inferieur: '$seuil' }, { ij: '24,99' }, true],
    ['inferieur, equal is not less', { champ: 'ij', inferieur: '$seuil' }, { ij: '25' }, false],
    ['auPlus with a text parameter', { champ: 'r', auPlus: '$plafond' }, { r: '13957' }, true],
    ['superieur', { champ: 'r', superieur: '$plafond' }, { r: '13957' }, false],
    ['auMoins', { champ: 'j', auMoins: 91 }, { j: '91' }, true],
    ['inferieur on an unparseable cell is false', { champ: 'ij', inferieur: 25 }, { ij: 'n/a' }, false],
    ['non of it is true', { non: { champ: 'ij', inferieur: 25 } }, { ij: '' }, true],
    ['date comparison', { champ: 'd', auPlus: '2026-11-30' }, { d: '2026-11-30' }, true],
    ['date comparison, after', { champ: 'd', auPlus: '2026-11-30' }, { d: '2026-12-01' }, false],
    ['date comparison with plusJours', { champ: 'd', plusJours: 10, superieur: '2026-11-30' }, { d: '2026-11-21' }, true],
    ['an impossible date is not a date', { champ: 'd', auPlus: '2026-11-30' }, { d: '2026-02-30' }, false],
    ['dansLeMois $periode', { champ: 'd', dansLeMois: '$periode' }, { d: '2026-11-01' }, true],
    ['dansLeMois, last day', { champ: 'd', dansLeMois: '$periode' }, { d: '2026-11-30' }, true],
    ['dansLeMois, previous month', { champ: 'd', dansLeMois: '$periode' }, { d: '2026-10-31' }, false],
    ['dansLeMois, a written month', { champ: 'd', dansLeMois: '2024-02' }, { d: '2024-02-29' }, true],
    ['plusJours then dansLeMois (91st paid day)', { champ: 'd', plusJours: 90, dansLeMois: '$periode' }, { d: '2026-08-15' }, true],
    ['plusJours then dansLeMois, too early', { champ: 'd', plusJours: 90, dansLeMois: '$periode' }, { d: '2026-07-15' }, false],
    ['plusJours then dansLeMois, last day', { champ: 'd', plusJours: 90, dansLeMois: '$periode' }, { d: '2026-09-01' }, true],
    ['plusJours then dansLeMois, too late', { champ: 'd', plusJours: 90, dansLeMois: '$periode' }, { d: '2026-09-02' }, false],
    ['diviseePar', { champ: 'ij', diviseePar: { champ: 'n' }, inferieur: 12 }, { ij: '30', n: '3' }, true],
    ['diviseePar with plus', { champ: 'ij', diviseePar: { champ: 'n', plus: 1 }, inferieur: 12 }, { ij: '30', n: '1' }, false],
    ['diviseePar zero is false', { champ: 'ij', diviseePar: { champ: 'n' }, inferieur: 12 }, { ij: '30', n: '0' }, false],
    ['tous of nothing', { tous: [] }, {}, true],
    ['un of nothing', { un: [] }, {}, false],
    ['toujours', { toujours: true }, {}, true],
    // answers (typed values)
    ['egal on an answer', { champ: 'a', egal: 'x' }, { a: 'x', n: 2, b: false }, true],
    ['egal false on a yes/no answer', { champ: 'b', egal: false }, { b: false }, true],
    ['egal false on a missing answer', { champ: 'b', egal: false }, {}, false],
    ['dans on an answer', { champ: 'a', dans: ['y', 'z'] }, { a: 'x' }, false],
    ['auMoins on a number answer', { champ: 'n', auMoins: 2 }, { n: 2 }, true],
    ['auPlus on a number answer', { champ: 'n', auPlus: 1 }, { n: 2 }, false],
    ['tous with toujours', { tous: [{ toujours: true }, { champ: 'a', egal: 'x' }] }, { a: 'x' }, true],
    ['un', { un: [{ champ: 'a', egal: 'y' }, { champ: 'n', auMoins: 3 }] }, { a: 'x', n: 2 }, false],
    ['non', { non: { champ: 'a', egal: 'y' } }, { a: 'x' }, true],
    ['a missing answer never matches egal', { champ: 'absent', egal: 'x' }, {}, false],
    ['a missing answer never matches dans', { champ: 'absent', dans: ['x'] }, {}, false],
    ['a missing answer never matches auMoins', { champ: 'absent', auMoins: 0 }, {}, false],
  ])('%s', (_label, rule, facts, expected) => {
    expect(ruleProblems(rule)).toEqual([]);
    expect(compileRule(rule, ctx)(facts)).toBe(expected);
    expect(evaluateRule(rule, facts, ctx)).toBe(expected);
  });

  it('refuses an unknown parameter, or a missing month, when the rule is compiled', () => {
    expect(() => compileRule({ champ: 'a', inferieur: '$inconnu' }, ctx)).toThrow(new RuleError('paramètre inconnu : « $inconnu »'));
    expect(() => compileRule({ champ: 'd', dansLeMois: '$periode' })).toThrow(RuleError);
  });

  it('names the facts and the parameters a rule reads', () => {
    const rule: Regle = { tous: [{ champ: 'ij', diviseePar: { champ: 'n' }, inferieur: '$seuil' }, { non: { champ: 'd', dansLeMois: '$periode' } }] };
    expect(ruleFields(rule)).toEqual(['ij', 'n', 'd']);
    expect(ruleParameters(rule)).toEqual(['seuil', 'periode']);
  });
});

describe('the one rule language: malformed rules, in French with the path inside the rule', () => {
  it.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['not an object', 'oui', [{ path: [], message: 'condition attendue : un objet { tous }, { un }, { non }, { toujours: true } ou { champ, opérateur }' }]],
    ['an old-dialect combinator', { all: [] }, [{ path: [], message: "clé(s) inconnue(s) : all ; une condition s'écrit { tous }, { un }, { non }, { toujours: true } ou { champ, opérateur }" }]],
    ['a combinator with another key', { tous: [], champ: 'a' }, [{ path: [], message: "« tous » ne peut pas être combiné avec d'autres clés (champ)" }]],
    ['un that is not a list', { un: { champ: 'a', egal: 'x' } }, [{ path: ['un'], message: 'liste de conditions attendue' }]],
    ['toujours false', { toujours: false }, [{ path: ['toujours'], message: 'true attendu' }]],
    ['a missing operator, deep inside', { tous: [{ champ: 'a', egal: 'x' }, { non: { champ: 'b' } }] },
      [{ path: ['tous', 1, 'non'], message: 'opérateur manquant sur « b » ; opérateurs possibles : egal, different, dans, horsDe, vide, inferieur, auPlus, superieur, auMoins, dansLeMois' }]],
    ['two operators', { champ: 'a', egal: 'x', dans: ['x'] }, [{ path: [], message: 'un seul opérateur par comparaison (trouvés : egal, dans)' }]],
    ['an unknown key', { champ: 'a', eq: 'x', egal: 'x' }, [{ path: [], message: 'clé(s) inconnue(s) : eq ; opérateurs possibles : egal, different, dans, horsDe, vide, inferieur, auPlus, superieur, auMoins, dansLeMois' }]],
    ['an empty list', { champ: 'a', dans: [] }, [{ path: ['dans'], message: 'liste non vide de valeurs attendue' }]],
    ['an object in a list', { champ: 'a', horsDe: ['x', {}] }, [{ path: ['horsDe', 1], message: 'valeur texte, nombre ou true/false attendue' }]],
    ['vide with a text', { champ: 'a', vide: 'oui' }, [{ path: ['vide'], message: 'true ou false attendu' }]],
    ['a malformed month', { champ: 'd', dansLeMois: '2026-13' }, [{ path: ['dansLeMois'], message: 'mois AAAA-MM ou paramètre « $periode » attendu' }]],
    ['an impossible date', { champ: 'd', auPlus: '2026-02-30' }, [{ path: ['auPlus'], message: 'nombre, date AAAA-MM-JJ ou paramètre « $nom » attendu' }]],
    ['plusJours on egal', { champ: 'd', plusJours: 3, egal: 'x' }, [{ path: ['plusJours'], message: "plusJours ne s'applique qu'aux comparaisons de dates (dansLeMois, inferieur, auPlus, superieur, auMoins), pas à egal" }]],
    ['plusJours not an integer', { champ: 'd', plusJours: 1.5, dansLeMois: '$periode' }, [{ path: ['plusJours'], message: 'nombre entier de jours attendu' }]],
    ['diviseePar without champ', { champ: 'a', diviseePar: { plus: 1 }, inferieur: 3 }, [{ path: ['diviseePar'], message: 'objet { champ, plus? } attendu' }]],
    ['diviseePar on dans', { champ: 'a', diviseePar: { champ: 'b' }, dans: ['1'] }, [{ path: ['diviseePar'], message: "diviseePar ne s'applique qu'aux comparaisons numériques (inferieur, auPlus, superieur, auMoins), pas à dans" }]],
  ])('%s', (_label, rule, problems) => {
    expect(ruleProblems(rule)).toEqual(problems);
  });
});

describe('examples next to the rules', () => {
  const rule: Regle = { tous: [{ champ: 'd', dansLeMois: '$periode' }, { champ: 'e', egal: 'oui' }] };
  it('passes when every example holds, and says which one fails and why', () => {
    expect(exampleFailures(rule, [
      { periode: '2026-11', faits: { d: '2026-11-03', e: 'oui' }, attendu: true },
      { periode: '2026-11', faits: { d: '2026-10-03', e: 'oui' }, attendu: false },
    ])).toEqual([]);
    expect(exampleFailures(rule, [
      { situation: 'le mois précédent', periode: '2026-11', faits: { d: '2026-10-03', e: 'oui' }, attendu: true },
      { faits: { d: '2026-10-03', e: 'oui' }, attendu: false },
    ])).toEqual([
      "exemples[0] (« le mois précédent ») : la règle donne faux, l'exemple attend vrai",
      'exemples[1] : paramètre « $periode » sans valeur : le mois traité doit être donné',
    ]);
  });
});
