/**
 * Territorial reference data for the generator: the real communes of each département (INSEE
 * code, name, postal codes, population) from `@etalab/decoupage-administratif`, read once.
 *
 * The JSON is parsed from disk (not `require`d) so that the full file can be garbage-collected:
 * only the few fields needed here stay in memory.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { hash32, Weighted, type Rng } from './random.ts';

const require = createRequire(import.meta.url);

export interface CommuneGeo {
  code: string;
  nom: string;
  /** INSEE "type de liaison": how to say "de <commune>" (0 de, 1 d', 2 du, 3 de la, 4 des, 5 de l'). */
  typeLiaison: number;
  codesPostaux: readonly string[];
  population: number;
}

export interface Establishment {
  finess: string;
  nom: string;
  codeCommune: string;
  maternite: boolean;
}

export interface DepartementGeo {
  code: string;
  nom: string;
  region: string;
  population: number;
  communes: WeightedCommunes;
  /** Birth places inside the département (Paris, Lyon, Marseille by arrondissement), for NIRs. */
  birthPlaces: WeightedCommunes;
  establishments: readonly Establishment[];
}

export interface Geography {
  departements: readonly DepartementGeo[];
  /** Sum of the population of the départements covered (metropole + DROM). */
  nationalPopulation: number;
  /** Birth places of all of France (metropole + DROM), weighted by population. */
  birthPlaces: WeightedCommunes;
  byCode: ReadonlyMap<string, DepartementGeo>;
}

/** Communes drawn in proportion to their population. */
export class WeightedCommunes {
  readonly list: readonly CommuneGeo[];
  readonly total: number;
  private readonly weighted: Weighted<CommuneGeo> | null;

  constructor(list: readonly CommuneGeo[]) {
    this.list = list;
    this.total = list.reduce((sum, c) => sum + c.population, 0);
    this.weighted = this.total > 0 ? new Weighted(list.map((c) => [c, c.population] as const)) : null;
  }

  sample(rng: Rng): CommuneGeo {
    if (!this.weighted) throw new Error('aucune commune peuplée à tirer');
    return this.weighted.sample(rng);
  }
}

/** Départements with their own Caf and CPAM: metropole and the five DROM (COM are outside). */
export function isGeneratedDepartement(code: string): boolean {
  return code.length === 2 || ['971', '972', '973', '974', '976'].includes(code);
}

interface RawCommune {
  code: string;
  nom: string;
  typeLiaison?: number;
  type: string;
  departement: string;
  population?: number;
  codesPostaux?: string[];
}
interface RawDepartement { code: string; nom: string; region: string }

/** Communes split into arrondissements municipaux in the civil register (and so in NIRs). */
const PLM = new Set(['75056', '69123', '13055']);

let cached: Geography | null = null;

export function loadGeography(): Geography {
  if (cached) return cached;
  const read = <T>(file: string): T =>
    JSON.parse(readFileSync(require.resolve(`@etalab/decoupage-administratif/data/${file}`), 'utf8')) as T;
  const rawDepartements = read<RawDepartement[]>('departements.json').filter((d) => isGeneratedDepartement(d.code));
  const residence = new Map<string, CommuneGeo[]>();
  const births = new Map<string, CommuneGeo[]>();
  for (const raw of read<RawCommune[]>('communes.json')) {
    if (!isGeneratedDepartement(raw.departement)) continue;
    const commune: CommuneGeo = {
      code: raw.code,
      nom: raw.nom,
      typeLiaison: raw.typeLiaison ?? 0,
      codesPostaux: raw.codesPostaux ?? [],
      population: raw.population ?? 0,
    };
    if (raw.type === 'commune-actuelle' && commune.codesPostaux.length > 0 && commune.population > 0) {
      push(residence, raw.departement, commune);
      if (!PLM.has(raw.code)) push(births, raw.departement, commune);
    } else if (raw.type === 'arrondissement-municipal' && commune.population > 0) {
      push(births, raw.departement, commune);
    }
  }
  const departements = rawDepartements.map((d): DepartementGeo => {
    const communes = residence.get(d.code) ?? [];
    return {
      code: d.code,
      nom: d.nom,
      region: d.region,
      population: communes.reduce((s, c) => s + c.population, 0),
      communes: new WeightedCommunes(communes),
      birthPlaces: new WeightedCommunes(births.get(d.code) ?? []),
      establishments: buildEstablishments(d.code, communes),
    };
  });
  cached = {
    departements,
    nationalPopulation: departements.reduce((s, d) => s + d.population, 0),
    birthPlaces: new WeightedCommunes(departements.flatMap((d) => d.birthPlaces.list)),
    byCode: new Map(departements.map((d) => [d.code, d])),
  };
  return cached;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const CLINIQUES = [
  'Clinique Saint-Joseph', 'Clinique Sainte-Marie', 'Clinique du Parc', 'Clinique des Fleurs',
  'Polyclinique du Val', 'Clinique Pasteur', 'Clinique Saint-Michel', 'Polyclinique Sainte-Anne',
  'Clinique de l’Espérance', 'Clinique Les Lauriers',
];

/**
 * Fictitious but plausible health establishments: a "Centre hospitalier" in each of the largest
 * communes and a few private clinics, with synthetic FINESS numbers (département + 7 digits).
 * Derived from the département alone, so identical in every run.
 */
export function buildEstablishments(departement: string, communes: readonly CommuneGeo[]): Establishment[] {
  const population = communes.reduce((s, c) => s + c.population, 0);
  const byPopulation = [...communes].sort((a, b) => b.population - a.population || a.code.localeCompare(b.code));
  const hospitals = Math.max(1, Math.min(12, Math.round(population / 120_000)));
  const clinics = Math.max(1, Math.min(8, Math.round(population / 250_000)));
  const result: Establishment[] = [];
  const used = new Set<string>();
  const finess = (label: string) => {
    let n = hash32(`${departement}|${label}`) % 10_000_000;
    let id = '';
    do {
      const digits = String(n).padStart(9 - departement.length, '0');
      id = `${departement}${digits}`.slice(0, 9);
      n = (n + 7919) % 10_000_000;
    } while (used.has(id));
    used.add(id);
    return id;
  };
  for (const commune of byPopulation.slice(0, hospitals)) {
    const nom = `Centre hospitalier ${deCommune(commune)}`;
    result.push({ finess: finess(nom), nom, codeCommune: commune.code, maternite: true });
  }
  for (let i = 0; i < clinics; i++) {
    const commune = byPopulation[i % Math.max(1, Math.min(byPopulation.length, hospitals))] as CommuneGeo;
    const nom = `${CLINIQUES[i % CLINIQUES.length]} (${commune.nom})`;
    result.push({ finess: finess(nom), nom, codeCommune: commune.code, maternite: i === 0 });
  }
  return result;
}

/** "de Toulon", "d’Aix-en-Provence", "du Mans", "de La Ciotat", "des Pennes-Mirabeau", "de l’Isle-sur-la-Sorgue". */
export function deCommune(commune: Pick<CommuneGeo, 'nom' | 'typeLiaison'>): string {
  const { nom } = commune;
  switch (commune.typeLiaison) {
    case 1: return `d’${nom}`;
    case 2: return nom.startsWith('Le ') ? `du ${nom.slice(3)}` : `de ${nom}`;
    case 4: return nom.startsWith('Les ') ? `des ${nom.slice(4)}` : `de ${nom}`;
    case 5: return /^L['’]/.test(nom) ? `de l’${nom.slice(2)}` : `de ${nom}`;
    default: return `de ${nom}`;
  }
}
