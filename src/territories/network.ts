/** Pure domain: builds the organisations of the network and each commune's competent organisations. */

import { BRANCHES, type Branche, type OrganisationType } from './domain.ts';

export type { Branche, OrganisationType } from './domain.ts';

export interface Region { code: string; nom: string }
export interface Departement { code: string; nom: string; region: string; typeLiaison: number }
export interface Commune {
  code: string;
  nom: string;
  departement: string;
  region: string;
  arrondissement: string | null;
  population: number;
  codesPostaux: string[];
}
export interface Organisation {
  code: string;
  type: OrganisationType;
  nom: string;
  departement: string | null;
  rattachement: string | null;
  /** Health establishments only: FINESS number and the commune (INSEE code) they are in. */
  finess?: string | null;
  commune?: string | null;
}
export interface Competence { commune: string; branche: Branche; organisation: string }

interface Caisse { code: string; type?: string; nom: string; departements: string[]; branches?: Branche[] }
export interface NetworkData {
  version: string;
  nationales: { code: string; nom: string }[];
  caissesMultiBranches: Caisse[];
  cafRattachements: Record<string, string>;
  carsat: Caisse[];
  cpamMultiples: Record<string, {
    organisations: { code: string; nom: string }[];
    parArrondissement: Record<string, string>;
    parCommune: Record<string, string>;
  }>;
  centresExamensSante: { code: string; nom: string; rattachement: string }[];
  /** Health establishments that signal people to the network (programme « signalement »). */
  etablissementsSante?: { code: string; finess: string; nom: string; commune: string }[];
}

/** "du Var", "de la Gironde", "de l'Ain", "des Landes", "de Paris" from INSEE's type de liaison. */
export function avecArticle(nom: string, typeLiaison: number): string {
  switch (typeLiaison) {
    case 1: return `d'${nom}`;
    case 2: return `du ${nom}`;
    case 3: return `de la ${nom}`;
    case 4:
    case 6: return `des ${nom}`;
    case 5: return `de l'${nom}`;
    default: return `de ${nom}`;
  }
}

/** Départements that have their own Caf and CPAM (metropole and DROM; COM are outside the régime général). */
export function isCoveredDepartement(code: string): boolean {
  return code.length === 2 || ['971', '972', '973', '974', '976'].includes(code);
}

export function buildNetwork(
  departements: Departement[],
  communes: Commune[],
  data: NetworkData,
): { organisations: Organisation[]; competences: Competence[] } {
  const organisations = new Map<string, Organisation>();
  const add = (o: Organisation) => organisations.set(o.code, o);
  const byBranchAndDept = new Map<string, string>(); // `${branche}:${dept}` → organisation code

  for (const n of data.nationales) add({ code: n.code, type: 'national', nom: n.nom, departement: null, rattachement: null });

  for (const c of data.caissesMultiBranches) {
    add({ code: c.code, type: c.type as OrganisationType, nom: c.nom, departement: c.departements[0] ?? null, rattachement: null });
    for (const d of c.departements) for (const b of c.branches ?? []) byBranchAndDept.set(`${b}:${d}`, c.code);
  }
  for (const c of data.carsat) {
    add({ code: c.code, type: 'carsat', nom: c.nom, departement: null, rattachement: null });
    for (const d of c.departements) byBranchAndDept.set(`carsat:${d}`, c.code);
  }

  for (const d of departements.filter((x) => isCoveredDepartement(x.code))) {
    const suffix = avecArticle(d.nom, d.typeLiaison);
    if (!byBranchAndDept.has(`caf:${d.code}`)) {
      add({ code: `caf-${d.code}`, type: 'caf', nom: `Caf ${suffix}`, departement: d.code, rattachement: null });
      byBranchAndDept.set(`caf:${d.code}`, `caf-${d.code}`);
    }
    const multiples = data.cpamMultiples[d.code];
    if (multiples) {
      for (const o of multiples.organisations) add({ code: o.code, type: 'cpam', nom: o.nom, departement: d.code, rattachement: null });
    } else if (!byBranchAndDept.has(`cpam:${d.code}`)) {
      add({ code: `cpam-${d.code}`, type: 'cpam', nom: `CPAM ${suffix}`, departement: d.code, rattachement: null });
      byBranchAndDept.set(`cpam:${d.code}`, `cpam-${d.code}`);
    }
  }
  for (const [dept, caf] of Object.entries(data.cafRattachements)) byBranchAndDept.set(`caf:${dept}`, caf);
  for (const ces of data.centresExamensSante) {
    add({ code: ces.code, type: 'ces', nom: ces.nom, departement: organisations.get(ces.rattachement)?.departement ?? null, rattachement: ces.rattachement });
  }

  const communeByCode = new Map(communes.map((c) => [c.code, c]));
  for (const e of data.etablissementsSante ?? []) {
    const commune = communeByCode.get(e.commune);
    if (!commune) throw new Error(`data/reseau.json : établissement ${e.code} dans une commune inconnue (${e.commune})`);
    add({ code: e.code, type: 'etablissement', nom: e.nom, departement: commune.departement, rattachement: null, finess: e.finess, commune: e.commune });
  }

  const competences: Competence[] = [];
  for (const commune of communes) {
    for (const branche of BRANCHES) {
      const organisation = competentFor(commune, branche, byBranchAndDept, data);
      if (organisation) competences.push({ commune: commune.code, branche, organisation });
    }
  }
  return { organisations: [...organisations.values()], competences };
}

function competentFor(commune: Commune, branche: Branche, byBranchAndDept: Map<string, string>, data: NetworkData): string | undefined {
  const multiples = branche === 'cpam' ? data.cpamMultiples[commune.departement] : undefined;
  if (multiples) {
    return multiples.parCommune[commune.code] ?? (commune.arrondissement ? multiples.parArrondissement[commune.arrondissement] : undefined);
  }
  return byBranchAndDept.get(`${branche}:${commune.departement}`);
}
