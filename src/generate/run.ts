/** Orchestrates a generation run: plan, generate person by person, stream to the files, report. */
import { performance } from 'node:perf_hooks';
import { extractMonth } from '../shared/calendar.ts';
import { ExtractWriter, type WrittenFile } from './files.ts';
import { loadGeography, type DepartementGeo } from './geography.ts';
import { NirRegistry } from './identity.ts';
import { ALL_DEPARTEMENTS, GenerateOptionsError, validateGenerateOptions } from './options.ts';
import {
  KindSequence, PERSON_KINDS, planDepartement, PopulationGenerator, totalPeople, type KindCounts, type Person, type PersonKind,
} from './population.ts';
import { Rng } from './random.ts';
import { writePerson } from './rows.ts';

export interface GenerateOptions {
  /** Département code ('83', '2A', '971') or 'all' (metropole + DROM). */
  departement: string;
  /** Month covered by the extracts, YYYY-MM. */
  month: string;
  outDir: string;
  /** 1 = realistic volume (default); 0.01 for a small test set. */
  scale?: number;
  /** Same seed and options ⇒ byte-identical files (default 1). */
  seed?: number;
  /**
   * Exact number of people of some kinds per département, instead of the plan drawn from the
   * population (for tests and benchmarks that need, say, 300 AJPA applicants without a million
   * insured people). Kinds not listed keep their planned number.
   */
  people?: Partial<KindCounts>;
  /** Called about every thousand people and at the end of each département. */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface GenerateReport {
  departements: string[];
  month: string;
  scale: number;
  seed: number;
  outDir: string;
  files: WrittenFile[];
  /** Synthetic people generated (a person may appear in several files). */
  people: number;
  totalRows: number;
  durationMs: number;
  rowsPerSecond: number;
  /** Peak resident memory of the process during the run, in bytes. */
  peakRssBytes: number;
}

const PROGRESS_EVERY = 1000;

function departementsOf(code: string): DepartementGeo[] {
  const geo = loadGeography();
  if (code === ALL_DEPARTEMENTS) return [...geo.departements];
  const dept = geo.byCode.get(code);
  if (!dept) throw new Error(`département absent du référentiel : ${code}`);
  return [dept];
}

/** The départements a run can cover (metropole + DROM), with the population the volumes are scaled on. */
export function listDepartements(): { code: string; nom: string; population: number }[] {
  return loadGeography().departements.map(({ code, nom, population }) => ({ code, nom, population }));
}

/** The people of each kind planned for a département (same numbers as a run with these options). */
export function planPeople(departement: string, month: string, scale: number, seed: number): KindCounts {
  const geo = loadGeography();
  const [dept] = departementsOf(departement);
  return planDepartement(dept as DepartementGeo, geo.nationalPopulation, scale, new Rng(`${seed}|${departement}|${month}|plan`));
}

function checkPeople(people: Partial<KindCounts> | undefined): Partial<KindCounts> {
  const problems: string[] = [];
  for (const [kind, n] of Object.entries(people ?? {})) {
    if (!(PERSON_KINDS as readonly string[]).includes(kind)) problems.push(`Profil inconnu : « ${kind} » ; profils : ${PERSON_KINDS.join(', ')}.`);
    else if (!Number.isInteger(n) || (n as number) < 0) problems.push(`Nombre de personnes invalide pour « ${kind} » : ${n} ; attendu un entier positif ou nul.`);
  }
  if (problems.length > 0) throw new GenerateOptionsError(problems);
  return people ?? {};
}

export async function generateExtracts(options: GenerateOptions): Promise<GenerateReport> {
  const valid = validateGenerateOptions(options);
  const people = checkPeople(options.people);
  const started = performance.now();
  const geo = loadGeography();
  const month = extractMonth(valid.month);
  const plans = departementsOf(valid.departement).map((dept) => ({
    dept,
    counts: {
      ...planDepartement(dept, geo.nationalPopulation, valid.scale, new Rng(`${valid.seed}|${dept.code}|${valid.month}|plan`)),
      ...people,
    },
  }));
  const total = plans.reduce((s, p) => s + totalPeople(p.counts), 0);
  const nirs = new NirRegistry(total);
  const writer = new ExtractWriter(valid.outDir);
  let peakRss = process.memoryUsage.rss();
  let done = 0;
  let files: WrittenFile[];
  await writer.open();
  try {
    for (const { dept, counts } of plans) {
      const label = `${dept.code} ${dept.nom}`;
      const rng = new Rng(`${valid.seed}|${dept.code}|${valid.month}`);
      const nirRng = new Rng(`${valid.seed}|${dept.code}|${valid.month}|nir`);
      const extraRng = new Rng(`${valid.seed}|${dept.code}|${valid.month}|complements`);
      const generator = new PopulationGenerator({ geo, dept, month, rng, nirRng, extraRng, nirs }, valid.seed);
      const kinds = new KindSequence(counts);
      for (let kind = kinds.next(rng); kind !== null; kind = kinds.next(rng)) {
        writePerson(generator.person(kind), dept, writer);
        done++;
        if (writer.needsFlush) await writer.flush();
        if (done % PROGRESS_EVERY === 0) {
          peakRss = Math.max(peakRss, process.memoryUsage.rss());
          options.onProgress?.(done, total, label);
        }
      }
      options.onProgress?.(done, total, label);
    }
    files = await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const durationMs = performance.now() - started;
  const totalRows = files.reduce((s, f) => s + f.rows, 0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  return {
    departements: plans.map((p) => p.dept.code),
    month: valid.month,
    scale: valid.scale,
    seed: valid.seed,
    outDir: valid.outDir,
    files,
    people: done,
    totalRows,
    durationMs,
    rowsPerSecond: durationMs > 0 ? totalRows / (durationMs / 1000) : totalRows,
    peakRssBytes: peakRss,
  };
}

/**
 * People of one kind, generated in memory as in a run (for tests and benchmarks of later
 * contexts that want typed synthetic people without files).
 */
export function* samplePeople(kind: PersonKind, count: number, opts: { departement: string; month: string; seed?: number }): Generator<Person> {
  const geo = loadGeography();
  const [dept] = departementsOf(validateGenerateOptions({ ...opts, outDir: '-' }).departement);
  const key = `${opts.seed ?? 1}|${opts.departement}|${opts.month}|echantillon|${kind}`;
  const generator = new PopulationGenerator(
    { geo, dept: dept as DepartementGeo, month: extractMonth(opts.month), rng: new Rng(key), nirRng: new Rng(`${key}|nir`), extraRng: new Rng(`${key}|complements`), nirs: new NirRegistry(count) },
    opts.seed ?? 1,
  );
  for (let i = 0; i < count; i++) yield generator.person(kind);
}
