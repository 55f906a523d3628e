/**
 * Pure steps of a programme's monthly cycle, between reading the validated source rows and
 * sealing a package: join the source files, select each person with the programme's rule,
 * compute the markers, apply the contact rules (safe channel, authorisations), resolve the
 * recipient, offer. No I/O: the cycle (reading files, the database, sealing) lives elsewhere.
 */
import { EXTRACT_FORMATS } from '../extracts/index.ts';
import { MARKER_LABELS_FIELD, MARKERS_FIELD } from './loader.ts';
import { compileRule, type Predicate, type RuleContext, type Valeur } from '../rules/index.ts';
import type { Programme, Row } from './schema.ts';

/** The context of a programme's rules for a month ("$periode"): its parameters' defaults, overridden locally if needed. */
export interface TargetingContext extends RuleContext {
  periode: string;
  parametres: Readonly<Record<string, Valeur>>;
}

/** The rule context of a programme for a month: its parameters' defaults, overridden locally if needed. */
export function targetingContext(programme: Programme, periode: string, overrides: Readonly<Record<string, Valeur>> = {}): TargetingContext {
  const parametres: Record<string, Valeur> = {};
  for (const [name, p] of Object.entries(programme.parametres)) parametres[name] = p.valeur;
  return { periode, parametres: { ...parametres, ...overrides } };
}

export interface Candidate {
  /** Key of the main row (its file's key columns joined with "|"). */
  cle: string;
  /** The main row merged with each matching joined row (one row when nothing is joined). */
  lignes: Row[];
}

/**
 * Joins the programme's source files: for each row of the main file, one merged row per
 * matching joined row (per combination, with several joins); a main row without match is kept
 * with the joined columns empty when the join is optional, dropped when it is mandatory.
 * A candidate's key is the main file's key (EXTRACT_FORMATS[kind].key) joined with "|".
 */
export function joinSource(
  programme: Pick<Programme, 'source'>,
  tables: Readonly<Partial<Record<string, readonly Row[]>>>,
): Candidate[] {
  const keyColumns = EXTRACT_FORMATS[programme.source.fichier].key;
  const joins = programme.source.jointures.map((j) => {
    const index = new Map<string, Row[]>();
    for (const row of tables[j.fichier] ?? []) {
      const k = j.cle.map((c) => row[c] ?? '').join('|');
      (index.get(k) ?? index.set(k, []).get(k)!).push(row);
    }
    const empty: Record<string, string> = {};
    for (const col of EXTRACT_FORMATS[j.fichier].columns) if (!j.cle.includes(col.name)) empty[col.name] = '';
    return { jointure: j, index, empty };
  });
  const out: Candidate[] = [];
  for (const row of tables[programme.source.fichier] ?? []) {
    let merged: Row[] = [{ ...row }];
    for (const { jointure, index, empty } of joins) {
      const found = index.get(jointure.cle.map((c) => row[c] ?? '').join('|')) ?? [];
      if (found.length === 0) {
        if (jointure.obligatoire) { merged = []; break; }
        merged = merged.map((m) => ({ ...empty, ...m }));
        continue;
      }
      // The main row wins on any shared column (only the join keys are shared: the loader checks it).
      merged = merged.flatMap((m) => found.map((f) => ({ ...f, ...m })));
    }
    if (merged.length > 0) out.push({ cle: keyColumns.map((c) => row[c] ?? '').join('|'), lignes: merged });
  }
  return out;
}

export type Selection =
  | { statut: 'non_cible' }
  | { statut: 'exclu'; ligne: Row; exclusion: { code: string; motif: string } }
  | { statut: 'retenu'; ligne: Row; marqueurs: string[] };

/** A programme's rules compiled for one context: `select(rows)` decides for one person (see selectPerson). */
export type Selector = (rows: readonly Row[]) => Selection;

/**
 * Compiles a programme's targeting rule, exclusions and markers once for a month (context), into
 * the function that decides for one person: selected when one row matches the targeting rule;
 * then excluded when a row matches an exclusion; otherwise retained, with the first matching row
 * and the person's markers. The monthly cycle compiles once per run and calls it for every row.
 */
export function compileSelection(programme: Programme, context: RuleContext): Selector {
  const ciblage = compileRule(programme.ciblage.regle, context);
  const exclusions = programme.exclusions.map((e) => ({ test: compileRule(e.regle, context), exclusion: { code: e.code, motif: e.motif } }));
  const marqueurs = programme.marqueurs.map((m) => ({ test: compileRule(m.regle, context), code: m.code }));
  const some = (test: Predicate, list: readonly Row[]) => {
    for (const r of list) if (test(r)) return true;
    return false;
  };
  return (list) => {
    let ligne: Row | undefined;
    for (const r of list) if (ciblage(r)) { ligne = r; break; }
    if (!ligne) return { statut: 'non_cible' };
    for (const e of exclusions) if (some(e.test, list)) return { statut: 'exclu', ligne, exclusion: e.exclusion };
    const codes: string[] = [];
    for (const m of marqueurs) if (some(m.test, list)) codes.push(m.code);
    return { statut: 'retenu', ligne, marqueurs: codes };
  };
}

/** Compiled selections per context object and programme: a context made once per run compiles once. */
const compiled = new WeakMap<RuleContext, WeakMap<Programme, Selector>>();

/**
 * Decides for one person (one row, or the merged rows of a candidate), with the programme's rules
 * compiled for the context (cached while the context object lives): see compileSelection.
 */
export function selectPerson(programme: Programme, rows: Row | readonly Row[], context: RuleContext): Selection {
  let byProgramme = compiled.get(context);
  if (!byProgramme) compiled.set(context, (byProgramme = new WeakMap()));
  let select = byProgramme.get(programme);
  if (!select) byProgramme.set(programme, (select = compileSelection(programme, context)));
  return select(Array.isArray(rows) ? rows : [rows as Row]);
}

/** The row with the computed column `marqueurs` (codes separated by commas, '' when none). */
export function withMarkers(row: Row, marqueurs: readonly string[]): Row {
  return { ...row, [MARKERS_FIELD]: marqueurs.join(',') };
}

/** The offer items for a person: every item without condition, plus those of the person's markers. */
export function offerFor(programme: Programme, marqueurs: readonly string[]): Programme['offre'] {
  return programme.offre.filter((o) => !o.siMarqueur || o.siMarqueur.some((m) => marqueurs.includes(m)));
}

export type ContactCheck = { ok: true; ligne: Row } | { ok: false; motif: string };

/**
 * Applies the contact rules before minimisation:
 * - a person flagged at risk of domestic violence is reachable only on the safe channel they
 *   named: its value replaces that contact column and every other contact column of the
 *   programme's channels is emptied; without a safe channel the person is not contacted at all;
 * - a contact whose channel needs an authorisation is emptied unless the authorisation is "oui".
 */
export function applyContactRules(programme: Programme, row: Row): ContactCheck {
  const out: Record<string, string | undefined> = { ...row };
  const contactColumns = [...new Set(programme.canaux.flatMap((c) => (c.champ ? [c.champ] : [])))];
  const risk = programme.personnesARisque;
  let safeColumn: string | null = null;
  if (risk && (row[risk.champRisque] ?? '') === 'oui') {
    const canal = row[risk.champCanalSur] ?? '';
    const valeur = row[risk.champValeurCanalSur] ?? '';
    const column = risk.canaux[canal];
    if (!column || valeur === '') {
      return { ok: false, motif: 'personne signalée à risque de violences sans canal sûr : elle ne doit pas être contactée' };
    }
    for (const c of contactColumns) out[c] = '';
    out[column] = valeur;
    safeColumn = column;
  }
  for (const c of programme.canaux) {
    if (!c.champ || !c.autorisation || c.champ === safeColumn) continue;
    if ((row[c.autorisation] ?? '') !== 'oui') out[c.champ] = '';
  }
  if (risk) {
    out[risk.champCanalSur] = '';
    out[risk.champValeurCanalSur] = '';
  }
  return { ok: true, ligne: out };
}

/** Finds the competent organisation of a branch: by commune (INSEE code), or by postal code. */
export interface CompetenceLookup {
  parCommune(codeCommune: string, branche: string): string | null;
  parCodePostal(codePostal: string, branche: string): readonly string[];
}

export type RecipientResolution = { ok: true; organisation: string } | { ok: false; raison: string };

interface Resolution { champCommune: string; champCodePostal: string }

/** The organisation of a branch competent for the row's commune; failing a known commune, for the postal code when it designates only one. */
function competentOrganisation(resolution: Resolution, branche: string, row: Row, lookup: CompetenceLookup): RecipientResolution {
  const commune = row[resolution.champCommune] ?? '';
  const codePostal = row[resolution.champCodePostal] ?? '';
  if (commune !== '') {
    const org = lookup.parCommune(commune, branche);
    if (org) return { ok: true, organisation: org };
  }
  if (codePostal !== '') {
    const orgs = [...new Set(lookup.parCodePostal(codePostal, branche))];
    if (orgs.length === 1) return { ok: true, organisation: orgs[0] as string };
    if (orgs.length > 1) return { ok: false, raison: `le code postal ${codePostal} relève de plusieurs organismes (${orgs.join(', ')}) et la commune ${commune === '' ? 'est absente' : `« ${commune} » est inconnue`}` };
  }
  return { ok: false, raison: `aucun organisme compétent trouvé pour la commune « ${commune} » ni pour le code postal « ${codePostal} »` };
}

/**
 * The recipient of a person's data: the organisation of the programme's recipient branch competent
 * for the person's commune; failing a known commune, for the postal code when it designates only one.
 */
export function resolveRecipient(programme: Programme, row: Row, lookup: CompetenceLookup): RecipientResolution {
  const d = programme.destinataire;
  if (!d) return { ok: false, raison: `le programme « ${programme.titre} » ne transmet aucune donnée personnelle` };
  return competentOrganisation(d.resolution, d.branche, row, lookup);
}

/**
 * The holding organisation of a row, for a programme whose extract covers several holders
 * (`expediteur.resolution`: the organisation of the holder's branch competent for the commune);
 * null when the programme does not say how (the caller uses the Caf of the file, or the one given).
 */
export function resolveHolder(programme: Programme, row: Row, lookup: CompetenceLookup): RecipientResolution | null {
  const r = programme.expediteur.resolution;
  return r ? competentOrganisation(r, programme.expediteur.branche, row, lookup) : null;
}

export type WorklistLine = { ok: true; champs: Record<string, string> } | { ok: false; motif: string };

/**
 * The fields an in-house or signalement programme keeps on its holder's own worklist
 * (`donnees.champsListe`, markers included as the computed `marqueurs` column). A person at risk
 * of violence keeps her safe channel only: the household's contact columns are emptied, the
 * authorisations and the household's columns (`champsFoyer`: postal address…) are left out;
 * without a safe channel she is not put on the list at all.
 */
export function worklistLine(programme: Programme, row: Row): WorklistLine {
  const fields = programme.donnees.champsListe ?? [];
  const risk = programme.personnesARisque;
  const labels = () => (row[MARKERS_FIELD] ?? '').split(',').filter(Boolean).map((m) => programme.marqueurs.find((x) => x.code === m)?.libelle ?? m).join(' ; ');
  const pick = (omit: ReadonlySet<string>, blank: ReadonlySet<string>) => {
    const champs: Record<string, string> = {};
    for (const f of fields) if (!omit.has(f)) champs[f] = blank.has(f) ? '' : f === MARKER_LABELS_FIELD ? labels() : (row[f] ?? '');
    return champs;
  };
  if (!risk || (row[risk.champRisque] ?? '') !== 'oui') return { ok: true, champs: pick(new Set(), new Set()) };
  const column = risk.canaux[row[risk.champCanalSur] ?? ''];
  if (!column || (row[risk.champValeurCanalSur] ?? '') === '') {
    return { ok: false, motif: 'personne signalée à risque de violences sans canal sûr : elle ne sera pas contactée (non inscrite sur la liste)' };
  }
  const contactColumns = new Set(programme.canaux.flatMap((c) => (c.champ ? [c.champ] : [])));
  const omit = new Set([...programme.canaux.flatMap((c) => (c.autorisation ? [c.autorisation] : [])), ...(risk.champsFoyer ?? [])]);
  return { ok: true, champs: pick(omit, contactColumns) };
}
