/** Validation of the generator's options, with messages in French for the people who run it. */
import { isGeneratedDepartement } from './geography.ts';

export const MAX_SCALE = 10;
export const ALL_DEPARTEMENTS = 'all';

export interface RawGenerateOptions {
  departement?: string | undefined;
  month?: string | undefined;
  outDir?: string | undefined;
  scale?: string | number | undefined;
  seed?: string | number | undefined;
}

export interface ValidGenerateOptions {
  /** 'all' or a département code, normalised ('1' → '01', '2a' → '2A'). */
  departement: string;
  month: string;
  outDir: string;
  scale: number;
  seed: number;
}

export class GenerateOptionsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'GenerateOptionsError';
    this.problems = problems;
  }
}

const DEPARTEMENTS_ACCEPTES = 'codes acceptés : 01 à 95 (2A et 2B pour la Corse), 971, 972, 973, 974, 976, ou « all » pour tous les départements';

/** 'all', or the code of a département with its own Caf and CPAM (metropole, DROM), or null. */
export function normalizeDepartement(input: string): string | null {
  const code = input.trim().toUpperCase();
  if (code === 'ALL') return ALL_DEPARTEMENTS;
  const padded = /^\d$/.test(code) ? `0${code}` : code;
  const metropole = /^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])$/.test(padded);
  return metropole || (padded.length === 3 && isGeneratedDepartement(padded)) ? padded : null;
}

/** Checks every option and reports all problems at once. */
export function validateGenerateOptions(raw: RawGenerateOptions): ValidGenerateOptions {
  const problems: string[] = [];

  let departement = '';
  if (raw.departement === undefined || raw.departement.trim() === '') {
    problems.push('Indiquez le département avec --departement (par exemple 83, 2A, 971, ou all pour tous).');
  } else {
    const normalized = normalizeDepartement(raw.departement);
    if (normalized === null) problems.push(`Département inconnu : « ${raw.departement} » ; ${DEPARTEMENTS_ACCEPTES}.`);
    else departement = normalized;
  }

  let month = '';
  if (raw.month === undefined || raw.month.trim() === '') {
    problems.push('Indiquez le mois avec --mois au format AAAA-MM (par exemple 2026-11).');
  } else {
    const match = /^(\d{4})-(\d{2})$/.exec(raw.month.trim());
    const year = Number(match?.[1]);
    const m = Number(match?.[2]);
    if (!match || m < 1 || m > 12) problems.push(`Mois invalide : « ${raw.month} » ; format attendu AAAA-MM, par exemple 2026-11.`);
    else if (year < 2000 || year > 2100) problems.push(`Mois invalide : « ${raw.month} » ; l’année doit être comprise entre 2000 et 2100.`);
    else month = raw.month.trim();
  }

  let outDir = '';
  if (raw.outDir === undefined || raw.outDir.trim() === '') problems.push('Indiquez le dossier de sortie avec --sortie.');
  else outDir = raw.outDir;

  let scale = 1;
  if (raw.scale !== undefined) {
    const text = String(raw.scale).trim().replace(',', '.');
    const value = typeof raw.scale === 'number' ? raw.scale : /^\d*\.?\d+(e-?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(value) || value <= 0 || value > MAX_SCALE) {
      problems.push(`Échelle invalide : « ${raw.scale} » ; attendu un nombre strictement positif et au plus ${MAX_SCALE} (1 = volume réaliste, 0,01 = petit jeu de test).`);
    } else scale = value;
  }

  let seed = 1;
  if (raw.seed !== undefined) {
    const text = String(raw.seed).trim();
    const value = typeof raw.seed === 'number' ? raw.seed : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      problems.push(`Graine invalide : « ${raw.seed} » ; attendu un entier entre 0 et 4294967295.`);
    } else seed = value;
  }

  if (problems.length > 0) throw new GenerateOptionsError(problems);
  return { departement, month, outDir, scale, seed };
}
