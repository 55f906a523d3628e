/**
 * Front door of the `indicators` context: the funnels of the programmes (SPEC §1, issue 4 "The funnel").
 *
 * - computeFunnel(db, request, viewer): the stage counts (people, not events) of a cohort — one month or a range
 *   of months — for an organisation, a département, a région or the whole country, with the rates (every rate
 *   names its numerator and denominator stage codes).
 * - computeTrend(db, request, viewer): the same, month by month.
 * - Small-count suppression for everyone outside the organisation itself (suppression.ts).
 * Documentation: docs/indicators.md.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../accounts/index.ts';
import type { DB } from '../db/index.ts';
import { envValue } from '../shared/env.ts';
import { findProgramme, isIsoMonth, loadProgrammes, type Programme } from '../programmes/index.ts';
import {
  addCounts, buildFunnel, emptyCounts, stageRules, unsuppressed, type Funnel, type ShownCount, type StageCode, type StageCounts,
} from './funnel.ts';
import { listOrganisationsWithPlaces, readableOrganisations, type OrganisationInfo } from '../territories/index.ts';
import { indicatorsRepository } from './repository.ts';
import { protect, type Cell, type Group, type Shown } from './suppression.ts';

export {
  STAGE_CODES, MANDATORY_RATES, stageRules, stageDefinition, emptyCounts, addCounts, SUPPRESSION_THRESHOLD, SUPPRESSED_LABEL, ratesOf, stagesOf, buildFunnel,
  rateValue, formatRate, formatCount, describeFunnel,
  type Funnel, type FunnelStage, type FunnelRate, type RateDefinition, type StageCounts, type ShownCount, type StageCode, type StageRule,
} from './funnel.ts';
export { protect, type Cell, type Group } from './suppression.ts';
export { indicatorsRepository } from './repository.ts';
export { funnelCsv, funnelXlsx } from './export.ts';

export type Scope =
  | { level: 'organisation'; code: string }
  | { level: 'departement'; code: string }
  | { level: 'region'; code: string }
  | { level: 'national' };

export interface FunnelRequest { programme: string; from: string; to: string; scope: Scope }

/** Who looks: the operator (command line, full access to the database anyway) or a signed-in account. */
export type Viewer = { kind: 'operator' } | { kind: 'actor'; actor: Actor };

export class IndicatorError extends Error {
  readonly status: 400 | 403 | 404;
  readonly field: string | undefined;
  constructor(message: string, status: 400 | 403 | 404 = 400, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export interface ScopeInfo { level: Scope['level']; code: string | null; nom: string }

export interface FunnelResult extends Funnel {
  programme: { id: string; titre: string };
  perimetre: ScopeInfo;
  periode: { du: string; au: string };
  /** True when small counts are suppressed (viewer outside the organisation). */
  masque: boolean;
  /** Breakdown of a territory by its parts (régions, départements or organisations), with the same suppression. */
  detail: { perimetre: ScopeInfo; stages: { code: StageCode; count: ShownCount }[] }[];
}

export interface TrendResult {
  programme: { id: string; titre: string };
  perimetre: ScopeInfo;
  masque: boolean;
  mois: ({ periode: string } & Funnel)[];
}

let programmesCache: Programme[] | undefined;
export function indicatorProgrammes(): Programme[] {
  programmesCache ??= loadProgrammes();
  return programmesCache;
}

export function programmeFor(id: string): Programme {
  const programme = findProgramme(indicatorProgrammes(), id);
  if (!programme) {
    throw new IndicatorError(`Programme inconnu « ${id} » ; programmes possibles : ${indicatorProgrammes().map((p) => p.id).join(', ')}.`, 400, 'programme');
  }
  return programme;
}

/** Checks a month range (YYYY-MM, from ≤ to, at most 36 months) and returns it. */
export function monthRange(from: string, to: string = from): { from: string; to: string } {
  if (!isIsoMonth(from)) throw new IndicatorError(`Mois « ${from} » invalide : attendu AAAA-MM, par exemple 2026-11.`, 400, 'mois');
  if (!isIsoMonth(to)) throw new IndicatorError(`Mois de fin « ${to} » invalide : attendu AAAA-MM, par exemple 2026-11.`, 400, 'au');
  if (to < from) throw new IndicatorError(`Le mois de fin (${to}) précède le mois de début (${from}).`, 400, 'au');
  if (monthsBetween(from, to).length > 36) throw new IndicatorError('Choisissez au plus 36 mois.', 400, 'au');
  return { from, to };
}

export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) break;
    out.push(month);
    m++;
    if (m === 13) { m = 1; y++; }
  }
  return out;
}

const organisationCache = new WeakMap<Kysely<DB>, Promise<OrganisationInfo[]>>();
export function organisationsOf(db: Kysely<DB>): Promise<OrganisationInfo[]> {
  let cached = organisationCache.get(db);
  if (!cached) {
    cached = listOrganisationsWithPlaces(db);
    cached.catch(() => organisationCache.delete(db));
    organisationCache.set(db, cached);
  }
  return cached;
}

async function describeScope(db: Kysely<DB>, scope: Scope): Promise<{ info: ScopeInfo; organisations: OrganisationInfo[] }> {
  const all = await organisationsOf(db);
  switch (scope.level) {
    case 'organisation': {
      const org = all.find((o) => o.code === scope.code);
      if (!org) throw new IndicatorError(`Organisme inconnu « ${scope.code} ».`, 404, 'organisation');
      return { info: { level: 'organisation', code: org.code, nom: org.nom }, organisations: [org] };
    }
    case 'departement': {
      const orgs = all.filter((o) => o.departement?.code === scope.code);
      const dep = (await indicatorsRepository.departements(db)).find((d) => d.code === scope.code);
      if (!dep) throw new IndicatorError(`Département inconnu « ${scope.code} ».`, 404, 'departement');
      return { info: { level: 'departement', code: dep.code, nom: `${dep.nom} (${dep.code})` }, organisations: orgs };
    }
    case 'region': {
      const reg = (await indicatorsRepository.regions(db)).find((r) => r.code === scope.code);
      if (!reg) throw new IndicatorError(`Région inconnue « ${scope.code} ».`, 404, 'region');
      return { info: { level: 'region', code: reg.code, nom: reg.nom }, organisations: all.filter((o) => o.region?.code === scope.code) };
    }
    case 'national':
      return { info: { level: 'national', code: null, nom: 'France entière' }, organisations: all };
  }
}

/** The organisations whose figures the viewer sees in full: their own, and those attached to it (its CES). */
export function ownOrganisations(all: OrganisationInfo[], viewer: Viewer): Set<string> | 'all' {
  if (viewer.kind === 'operator') return 'all';
  const own = viewer.actor.organisation.code;
  const attached = all.filter((o) => o.rattachement === own).map((o) => o.code);
  const scope = readableOrganisations(viewer.actor, 'indicators', { rattachement: null, attached }); // the access policy
  return scope === 'all' ? 'all' : new Set(scope);
}

/** Only pilots read indicators; everybody but the operator and the organisation itself gets suppressed counts. */
function checkViewer(viewer: Viewer): void {
  if (viewer.kind === 'operator') return;
  const roles = viewer.actor.roles;
  if (!roles.includes('pilote_local') && !roles.includes('pilote_national')) {
    throw new IndicatorError('Seuls les pilotes consultent les indicateurs.', 403);
  }
}

const isExact = (scope: Scope, own: Set<string> | 'all') => own === 'all' || (scope.level === 'organisation' && own.has(scope.code));

const wholeYear = (from: string, to: string) => from.slice(0, 4) === to.slice(0, 4) && from.endsWith('-01') && to.endsWith('-12');

function checkProtectedRange(from: string, to: string): void {
  if (from === to || wholeYear(from, to)) return;
  throw new IndicatorError(
    'Hors de votre organisme, les indicateurs sont publiés par mois ou par année civile entière (de janvier à décembre) : ' +
    'deux périodes qui se chevauchent permettraient de retrouver par différence les petits effectifs masqués.', 400, 'au');
}

// --- short cache of exact counts ---------------------------------------------------------------------------------

/**
 * Exact counts (an organisation's own view, the operator's) are shared by identical concurrent requests and kept
 * PASSERELLE_INDICATEURS_DIRECT_MS (default 5 s): a dashboard opened by several pilots, or reloaded, runs the query once.
 */
export const indicatorSettings = {
  liveCacheMs: Number(envValue('PASSERELLE_INDICATEURS_DIRECT_MS') ?? 5_000),
  gridCacheMs: Number(process.env.PASSERELLE_INDICATEURS_CACHE_MS ?? 60_000),
};
const liveCache = new WeakMap<Kysely<DB>, Map<string, { at: number; rows: Promise<CountRows> }>>();
type CountRows = Awaited<ReturnType<typeof indicatorsRepository.count>>;

function countLive(db: Kysely<DB>, filter: Parameters<typeof indicatorsRepository.count>[1], grouping: Parameters<typeof indicatorsRepository.count>[2]): Promise<CountRows> {
  let byKey = liveCache.get(db);
  if (!byKey) liveCache.set(db, (byKey = new Map()));
  const key = JSON.stringify([filter, grouping]);
  const now = Date.now();
  const hit = byKey.get(key);
  if (hit && now - hit.at < indicatorSettings.liveCacheMs) return hit.rows;
  if (byKey.size > 500) for (const [k, v] of byKey) if (now - v.at >= indicatorSettings.liveCacheMs) byKey.delete(k);
  const rows = indicatorsRepository.count(db, filter, grouping);
  byKey.set(key, { at: now, rows });
  rows.catch(() => byKey.delete(key));
  return rows;
}

// --- the protected grid (suppression.ts) -------------------------------------------------------------------------

const geoKey = (scope: Scope) => scope.level === 'national' ? 'N' : `${scope.level[0]!.toUpperCase()}:${scope.code}`;

interface Grid { shown: Map<string, Shown>; organisations: OrganisationInfo[] }

/** Raw counts per (organisation, month) of one programme and year; cached for a short while (national sums are heavy). */
const rawCache = new WeakMap<Kysely<DB>, Map<string, { at: number; rows: Promise<Awaited<ReturnType<typeof indicatorsRepository.count>>> }>>();

function yearCounts(db: Kysely<DB>, programme: Programme, year: string) {
  let byKey = rawCache.get(db);
  if (!byKey) rawCache.set(db, (byKey = new Map()));
  const key = `${programme.id}|${year}`;
  const hit = byKey.get(key);
  if (hit && Date.now() - hit.at < indicatorSettings.gridCacheMs) return hit.rows;
  const rows = indicatorsRepository.count(db, { programme: programme.id, from: `${year}-01`, to: `${year}-12`, stages: stageRules(programme) }, 'organisation_periode');
  byKey.set(key, { at: Date.now(), rows });
  rows.catch(() => byKey.delete(key));
  return rows;
}

async function protectedGrid(db: Kysely<DB>, programme: Programme, year: string, own: Set<string>): Promise<Grid> {
  const rows = await yearCounts(db, programme, year);
  const codes = programme.etapes.map((e) => e.code);
  const all = await organisationsOf(db);
  const byCode = new Map(all.map((o) => [o.code, o]));
  const months = monthsBetween(`${year}-01`, `${year}-12`);
  const periods = ['Y', ...months.map((m) => `M:${m}`)];
  const present = [...new Set(rows.map((r) => r.organisation!))].map((c) => byCode.get(c)).filter((o): o is OrganisationInfo => !!o);
  const cells = new Map<string, Cell>();
  const add = (geo: string, period: string, counts: StageCounts, known: boolean) => {
    const key = `${geo}|${period}`;
    const cell = cells.get(key);
    if (cell) cell.counts = addCounts(cell.counts, counts);
    else cells.set(key, { key, counts, known });
  };
  const ensure = (geo: string, known: boolean) => { for (const p of periods) add(geo, p, emptyCounts(codes), known); };
  const groups: Group[] = [];
  const children = new Map<string, Set<string>>();
  const link = (parent: string, child: string) => {
    if (!children.has(parent)) children.set(parent, new Set());
    children.get(parent)!.add(child);
  };
  ensure('N', false);
  for (const o of present) {
    const g = `O:${o.code}`;
    ensure(g, own.has(o.code));
    if (o.departement && o.region) {
      ensure(`D:${o.departement.code}`, false);
      ensure(`R:${o.region.code}`, false);
      link(`D:${o.departement.code}`, g);
      link(`R:${o.region.code}`, `D:${o.departement.code}`);
      link('N', `R:${o.region.code}`);
    } else {
      link('N', g);
    }
  }
  for (const r of rows) {
    const o = byCode.get(r.organisation!);
    if (!o) continue;
    const geos = ['N', `O:${o.code}`, ...(o.departement && o.region ? [`D:${o.departement.code}`, `R:${o.region.code}`] : [])];
    for (const g of geos) {
      add(g, `M:${r.periode}`, r.counts, false);
      add(g, 'Y', r.counts, false);
    }
  }
  for (const [parent, kids] of children) {
    for (const p of periods) groups.push({ parent: `${parent}|${p}`, children: [...kids].map((k) => `${k}|${p}`) });
  }
  const geos = new Set([...cells.keys()].map((k) => k.split('|')[0]!));
  for (const g of geos) groups.push({ parent: `${g}|Y`, children: months.map((m) => `${g}|M:${m}`) });
  return { shown: protect(cells, groups), organisations: present };
}

const zeroShown = (programme: Programme): Record<StageCode, ShownCount> => ({ ...emptyCounts(programme.etapes.map((e) => e.code)) });

function scopeChildren(scope: Scope, present: OrganisationInfo[]): { scope: Scope; info: ScopeInfo }[] {
  const uniq = <T extends { code: string }>(xs: T[]) => [...new Map(xs.map((x) => [x.code, x])).values()].sort((a, b) => a.code.localeCompare(b.code));
  switch (scope.level) {
    case 'national':
      return [
        ...uniq(present.flatMap((o) => (o.region ? [o.region] : []))).map((r) => ({ scope: { level: 'region' as const, code: r.code }, info: { level: 'region' as const, code: r.code, nom: r.nom } })),
        ...present.filter((o) => !o.region).map((o) => ({ scope: { level: 'organisation' as const, code: o.code }, info: { level: 'organisation' as const, code: o.code, nom: o.nom } })),
      ];
    case 'region':
      return uniq(present.filter((o) => o.region?.code === scope.code).flatMap((o) => (o.departement ? [o.departement] : [])))
        .map((d) => ({ scope: { level: 'departement' as const, code: d.code }, info: { level: 'departement' as const, code: d.code, nom: `${d.nom} (${d.code})` } }));
    case 'departement':
      return present.filter((o) => o.departement?.code === scope.code)
        .map((o) => ({ scope: { level: 'organisation' as const, code: o.code }, info: { level: 'organisation' as const, code: o.code, nom: o.nom } }));
    case 'organisation':
      return [];
  }
}

// --- public operations -------------------------------------------------------------------------------------------

/** What a funnel and a trend both start from: the checked request, the scope's organisations, the viewer's own, the count filter. */
async function prepareCount(db: Kysely<DB>, request: FunnelRequest, viewer: Viewer) {
  checkViewer(viewer);
  const programme = programmeFor(request.programme);
  const { from, to } = monthRange(request.from, request.to);
  const { info, organisations } = await describeScope(db, request.scope);
  const own = ownOrganisations(await organisationsOf(db), viewer);
  const filter = { programme: programme.id, from, to, stages: stageRules(programme), ...(request.scope.level === 'national' ? {} : { organisations: organisations.map((o) => o.code) }) };
  return { programme, from, to, info, organisations, own, filter };
}

export async function computeFunnel(db: Kysely<DB>, request: FunnelRequest, viewer: Viewer): Promise<FunnelResult> {
  const { programme, from, to, info, organisations, own, filter } = await prepareCount(db, request, viewer);
  const header = { programme: { id: programme.id, titre: programme.titre }, perimetre: info, periode: { du: from, au: to } };
  if (isExact(request.scope, own)) {
    const codes = programme.etapes.map((e) => e.code);
    const [total] = request.scope.level !== 'national' && organisations.length === 0
      ? [{ counts: emptyCounts(codes) }]
      : await countLive(db, filter, 'none');
    const counts = unsuppressed(total?.counts ?? emptyCounts(codes));
    let detail: FunnelResult['detail'] = [];
    if (request.scope.level !== 'organisation') {
      const rows = await countLive(db, filter, 'organisation');
      const present = organisations.filter((o) => rows.some((r) => r.organisation === o.code));
      detail = scopeChildren(request.scope, present).map((child) => {
        const members = new Set(organisationsIn(child.scope, present));
        const sum = rows.filter((r) => members.has(r.organisation!)).reduce((acc, r) => addCounts(acc, r.counts), emptyCounts(codes));
        return { perimetre: child.info, stages: Object.entries(sum).map(([code, count]) => ({ code: code as StageCode, count })) };
      });
    }
    return { ...header, masque: false, ...buildFunnel(programme, counts), detail };
  }
  checkProtectedRange(from, to);
  const grid = await protectedGrid(db, programme, from.slice(0, 4), own as Set<string>);
  const period = from === to ? `M:${from}` : 'Y';
  const read = (scope: Scope) => grid.shown.get(`${geoKey(scope)}|${period}`) ?? zeroShown(programme);
  const detail = scopeChildren(request.scope, grid.organisations).map((child) => {
    const shown = read(child.scope);
    return { perimetre: child.info, stages: Object.entries(shown).map(([code, count]) => ({ code: code as StageCode, count })) };
  });
  return { ...header, masque: true, ...buildFunnel(programme, read(request.scope)), detail };
}

function organisationsIn(scope: Scope, present: OrganisationInfo[]): string[] {
  switch (scope.level) {
    case 'organisation': return [scope.code];
    case 'departement': return present.filter((o) => o.departement?.code === scope.code).map((o) => o.code);
    case 'region': return present.filter((o) => o.region?.code === scope.code).map((o) => o.code);
    case 'national': return present.map((o) => o.code);
  }
}

export async function computeTrend(db: Kysely<DB>, request: FunnelRequest, viewer: Viewer): Promise<TrendResult> {
  const { programme, from, to, info, organisations, own, filter } = await prepareCount(db, request, viewer);
  const months = monthsBetween(from, to);
  const header = { programme: { id: programme.id, titre: programme.titre }, perimetre: info };
  if (isExact(request.scope, own)) {
    const rows = request.scope.level !== 'national' && organisations.length === 0 ? [] : await countLive(db, filter, 'periode');
    return {
      ...header, masque: false,
      mois: months.map((m) => ({ periode: m, ...buildFunnel(programme, unsuppressed(rows.find((r) => r.periode === m)?.counts ?? emptyCounts(programme.etapes.map((e) => e.code)))) })),
    };
  }
  const grids = new Map<string, Grid>();
  for (const year of new Set(months.map((m) => m.slice(0, 4)))) grids.set(year, await protectedGrid(db, programme, year, own as Set<string>));
  return {
    ...header, masque: true,
    mois: months.map((m) => ({
      periode: m,
      ...buildFunnel(programme, grids.get(m.slice(0, 4))!.shown.get(`${geoKey(request.scope)}|M:${m}`) ?? zeroShown(programme)),
    })),
  };
}

/** The scope a viewer gets when they name none: their organisation, or the whole country for a national pilot. */
export function defaultScope(viewer: Viewer): Scope {
  if (viewer.kind === 'actor' && viewer.actor.organisation.type !== 'national') return { level: 'organisation', code: viewer.actor.organisation.code };
  return { level: 'national' };
}

/** The programmes, départements and régions a pilot may choose from (no personal data). */
export async function dashboardOptions(db: Kysely<DB>, viewer: Viewer) {
  checkViewer(viewer);
  const [departements, regions] = await Promise.all([indicatorsRepository.departements(db), indicatorsRepository.regions(db)]);
  const own = viewer.kind === 'actor' ? viewer.actor.organisation : null;
  return {
    programmes: indicatorProgrammes().map((p) => ({ id: p.id, titre: p.titre, etapes: p.etapes.map((e) => ({ code: e.code, libelle: e.libelle })) })),
    organisation: own && own.type !== 'national' ? { code: own.code, nom: own.nom } : null,
    departements: departements.map((d) => ({ code: d.code, nom: d.nom, region: d.region_code })),
    regions: regions.map((r) => ({ code: r.code, nom: r.nom })),
  };
}
