import { describe, expect, it } from 'vitest';
import { loadProgrammes } from '../../src/programmes/index.ts';
import {
  buildFunnel, formatRate, protect, ratesOf, rateValue, STAGE_CODES, type Cell, type Group, type StageCounts,
} from '../../src/indicators/index.ts';

const programmes = loadProgrammes();
const aidants = programmes.find((p) => p.id === 'aidants')!;
const counts = (cibles: number, rest: Partial<StageCounts> = {}): StageCounts =>
  ({ ...Object.fromEntries(STAGE_CODES.map((c) => [c, 0])), cibles, ...rest }) as StageCounts;

describe('rates', () => {
  it('show honoured/phoned and honoured/reached first wherever the programme has those stages, then its own indicators, each pair once', () => {
    for (const p of programmes) {
      const rates = ratesOf(p);
      const stages = p.etapes.map((e) => e.code);
      const mandatory = ['rdv_honores/appeles', 'rdv_honores/joints'].filter((pair) => pair.split('/').every((s) => stages.includes(s)));
      expect(rates.slice(0, mandatory.length).map((r) => `${r.numerator}/${r.denominator}`)).toEqual(mandatory);
      for (const r of rates) expect(stages).toEqual(expect.arrayContaining([r.numerator, r.denominator]));
      const pairs = rates.map((r) => `${r.numerator}/${r.denominator}`);
      expect(new Set(pairs).size).toBe(pairs.length);
      for (const i of p.indicateurs) expect(pairs).toContain(`${i.numerateur}/${i.denominateur}`);
    }
    expect(ratesOf(aidants).map((r) => r.code)).toEqual(['transformation-appels', 'transformation-joints', 'joignabilite', 'acceptation', 'honoration']);
    // a maternity visit has no call: no phone rate
    expect(ratesOf(programmes.find((p) => p.id === 'prado')!).map((r) => r.code)).toEqual(['adhesion-prado', 'orientation-caf', 'tisf-proposee']);
  });

  it('computes the published rates and writes them the French way', () => {
    expect(rateValue(15, 79)).toBe(0.189873);
    expect(formatRate(rateValue(15, 79))).toBe('19 %');
    expect(formatRate(rateValue(28, 61))).toBe('45,9 %');
    expect(formatRate(rateValue(14, 78))).toBe('17,9 %');
    expect(rateValue(3, 0)).toBeNull();
    expect(rateValue(null, 10)).toBeNull();
    expect(rateValue(10, null)).toBeNull();
  });

  it('labels every stage with the programme’s etapes and nulls the rates of suppressed counts', () => {
    const f = buildFunnel(aidants, { ...counts(111, { appeles: 79, rdv_honores: 15 }), joints: null });
    expect(f.stages.map((s) => s.code)).toEqual([...STAGE_CODES]);
    expect(f.stages[0]).toMatchObject({ libelle: 'Aidants identifiés', programme: true, count: 111 });
    expect(f.rates.find((r) => r.denominator === 'joints')!.value).toBeNull();
    expect(f.rates.find((r) => r.denominator === 'appeles' && r.numerator === 'rdv_honores')!.value).toBe(0.189873);
  });
});

describe('small-count suppression', () => {
  const cell = (key: string, cibles: number, known = false): Cell => ({ key, counts: counts(cibles), known });
  const run = (cells: Cell[], groups: Group[]) => {
    const shown = protect(new Map(cells.map((c) => [c.key, c])), groups);
    return Object.fromEntries([...shown].map(([k, v]) => [k, v.cibles]));
  };

  it('hides counts under 11 (zero included) and nothing else when no total gives them back', () => {
    expect(run([cell('a', 10), cell('b', 11), cell('c', 0)], [])).toEqual({ a: null, b: 11, c: null });
  });

  it('hides a second part when a visible total has exactly one hidden part holding people', () => {
    const shown = run([cell('T', 45), cell('a', 5), cell('b', 25), cell('c', 15)], [{ parent: 'T', children: ['a', 'b', 'c'] }]);
    expect(shown).toEqual({ T: 45, a: null, b: 25, c: null }); // the smallest other part
  });

  it('never uses the observer’s own figures as protection: the total is hidden instead', () => {
    const shown = run([cell('T', 30), cell('own', 25, true), cell('other', 5)], [{ parent: 'T', children: ['own', 'other'] }]);
    expect(shown).toEqual({ T: null, own: 25, other: null });
  });

  it('hides a part when a hidden total would be given back by its visible parts, through every level', () => {
    // national = A + B; A = a1 + a2. a2 is small: a1 is hidden with it, then A exactly once hidden → B hidden too
    const cells = [cell('N', 100), cell('A', 40), cell('B', 60), cell('a1', 35), cell('a2', 5)];
    const groups = [{ parent: 'N', children: ['A', 'B'] }, { parent: 'A', children: ['a1', 'a2'] }];
    const shown = run(cells, groups);
    expect(shown.a2).toBeNull();
    expect(shown.a1).toBeNull();
    // every group: a visible parent never has exactly one hidden part holding people
    for (const g of groups) {
      if (shown[g.parent] === null) continue;
      expect(g.children.filter((c) => shown[c] === null && cells.find((x) => x.key === c)!.counts.cibles > 0).length).not.toBe(1);
    }
  });

  it('holds on random grids: no visible total minus its visible parts gives back a single count of 1 to 10', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const leaves = Array.from({ length: 2 + Math.floor(random() * 6) }, (_, i) => cell(`l${i}`, Math.floor(random() * 40), random() < 0.2));
      const mid = [cell('m0', 0), cell('m1', 0)];
      const groups: Group[] = [{ parent: 'm0', children: [] }, { parent: 'm1', children: [] }, { parent: 'T', children: ['m0', 'm1'] }];
      leaves.forEach((l, i) => {
        const m = mid[i % 2]!;
        m.counts = counts(m.counts.cibles + l.counts.cibles);
        groups[i % 2]!.children.push(l.key);
      });
      const total = cell('T', mid[0]!.counts.cibles + mid[1]!.counts.cibles);
      const all = [total, ...mid, ...leaves];
      const shown = run(all, groups);
      for (const g of groups) {
        const parent = shown[g.parent];
        if (parent === null || parent === undefined) continue;
        const hidden = g.children.filter((c) => shown[c] === null);
        const known = (k: string) => all.find((x) => x.key === k)!.known;
        const unknownHidden = hidden.filter((c) => !known(c));
        if (unknownHidden.length === 1) {
          const visibleSum = g.children.filter((c) => shown[c] !== null).reduce((n, c) => n + shown[c]!, 0);
          expect(parent - visibleSum, JSON.stringify({ trial, g, shown })).toBe(0);
        }
      }
    }
  });
});
