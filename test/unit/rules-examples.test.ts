/**
 * The one generic test of the examples stored next to the rules (ADR 0006): it loads every
 * definition of data/ — the programmes (data/programmes/*.json) and the citizen pathways with the
 * offer catalogue (data/parcours/*.json, data/offres.json) — and runs every example with the one
 * rule evaluator. Adding a rule means adding its examples to its file, not a test.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, findParcours, PARCOURS, PARCOURS_DIR, catalogue, validateReponses } from '../../src/orientation/index.ts';
import { loadProgrammes, PROGRAMMES_DIR, targetingContext, type Programme } from '../../src/programmes/index.ts';
import { exampleFailures, type Exemple, type Regle } from '../../src/rules/index.ts';

const programmes = loadProgrammes();

/** Every rule of a programme with its examples, named by its place in the file. */
function rulesOf(p: Programme): { where: string; regle: Regle; exemples: readonly Exemple[] }[] {
  return [
    { where: 'ciblage', regle: p.ciblage.regle, exemples: p.ciblage.exemples ?? [] },
    ...p.exclusions.map((e, i) => ({ where: `exclusions[${i}] (${e.code})`, regle: e.regle, exemples: e.exemples ?? [] })),
    ...p.marqueurs.map((m, i) => ({ where: `marqueurs[${i}] (${m.code})`, regle: m.regle, exemples: m.exemples ?? [] })),
  ];
}

describe('examples of the programmes’ rules (data/programmes)', () => {
  it('covers every file of the folder', () => {
    expect(programmes.map((p) => `${p.id}.json`)).toEqual(readdirSync(PROGRAMMES_DIR).filter((f) => f.endsWith('.json')).sort());
  });

  for (const p of programmes) {
    for (const { where, regle, exemples } of rulesOf(p)) {
      it(`${p.id}.json : ${where}`, () => {
        // A rule is shown holding and not holding at least once.
        expect(exemples.some((e) => e.attendu), `${p.id}.json : ${where} : aucun exemple où la règle est vraie`).toBe(true);
        expect(exemples.some((e) => !e.attendu), `${p.id}.json : ${where} : aucun exemple où la règle est fausse`).toBe(true);
        // The programme's parameters (their default values); each example gives its month.
        const { parametres } = targetingContext(p, '2000-01');
        expect(exampleFailures(regle, exemples, { parametres }).map((m) => `${p.id}.json : ${where}.${m}`)).toEqual([]);
      });
    }
  }
});

describe('examples of the citizen pathways (data/parcours, conditions of data/offres.json)', () => {
  it('covers every file of the folder', () => {
    expect(PARCOURS.map((p) => `${p.id}.json`).sort()).toEqual(readdirSync(PARCOURS_DIR).filter((f) => f.endsWith('.json')).sort());
  });

  for (const p of PARCOURS) {
    p.exemples.forEach((e, i) => {
      it(`${p.id}.json : exemples[${i}] « ${e.situation} »`, () => {
        const validation = validateReponses(findParcours(p.id)!, e.reponses);
        expect(validation.ok, JSON.stringify(validation)).toBe(true);
        const offres = evaluate(p.id, validation.ok ? validation.reponses : {}, { aujourdhui: '2025-06-01' });
        expect(offres.map((o) => o.id)).toEqual(e.offres);
      });
    });

    it(`${p.id}.json : every offer of the pathway is retained by at least one example`, () => {
      const retained = new Set(p.exemples.flatMap((e) => e.offres));
      const offers = catalogue().offres.filter((o) => o.parcours[p.id]).map((o) => o.id);
      expect(offers.filter((o) => !retained.has(o))).toEqual([]);
    });
  }
});
