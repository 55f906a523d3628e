/** Reads the INSEE reference data shipped by @etalab/decoupage-administratif and the network file in data/. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { buildNetwork, isCoveredDepartement, type Commune, type Departement, type NetworkData, type Region } from './network.ts';
export type { Branche, Competence, Organisation } from './network.ts';

const require = createRequire(import.meta.url);

interface RawCommune {
  code: string; nom: string; type: string; departement: string; region: string;
  arrondissement?: string; population?: number; codesPostaux?: string[];
}

const readNetwork = () => JSON.parse(readFileSync(new URL('../../data/reseau.json', import.meta.url), 'utf8')) as NetworkData;

/** The version of the shipped reference data, cheap to compute: INSEE package version + network file version. */
export function shippedReferenceVersion(): string {
  const packageVersion = (require('@etalab/decoupage-administratif/package.json') as { version: string }).version;
  return `${packageVersion}+reseau-${readNetwork().version}`;
}

export function loadReferenceData() {
  const regions = (require('@etalab/decoupage-administratif/data/regions.json') as Region[]).map(({ code, nom }) => ({ code, nom }));
  const departements = (require('@etalab/decoupage-administratif/data/departements.json') as Departement[])
    .map(({ code, nom, region, typeLiaison }) => ({ code, nom, region, typeLiaison }));
  const attachedToCovered = new Set(['977', '978']);
  const communes: Commune[] = (require('@etalab/decoupage-administratif/data/communes.json') as RawCommune[])
    .filter((c) => c.type === 'commune-actuelle' && (isCoveredDepartement(c.departement) || attachedToCovered.has(c.departement)))
    .map((c) => ({
      code: c.code,
      nom: c.nom,
      departement: c.departement,
      region: c.region,
      arrondissement: c.arrondissement ?? null,
      population: c.population ?? 0,
      codesPostaux: c.codesPostaux ?? [],
    }));
  const { organisations, competences } = buildNetwork(departements, communes, readNetwork());
  return { regions, departements, communes, organisations, competences, version: shippedReferenceVersion() };
}

export type ReferenceData = ReturnType<typeof loadReferenceData>;
