/**
 * The one rule language of Passerelle (ADR 0006): a JSON condition tree over named facts. The
 * programmes' targeting reads the columns of an extract row; the citizen orientation reads the
 * answers to the questions. Same keys, same meaning, one evaluator (engine.ts).
 *
 *   { "tous": [ … ] }     every sub-rule holds (an empty list holds)
 *   { "un": [ … ] }       at least one sub-rule holds (an empty list never holds)
 *   { "non": règle }      the sub-rule does not hold
 *   { "toujours": true }  always holds
 *   { "champ": "nom", <transformation>?, <opérateur> }   a comparison on one fact
 *
 * Operators (exactly one per comparison):
 *   egal, different          equal / not equal (text or yes/no exactly; numerically when the operand is a number)
 *   dans, horsDe             one of / none of a list of values
 *   vide                     true: the fact is missing or blank; false: it is filled
 *   inferieur, auPlus        <, ≤   numeric (operand a number) or date (operand AAAA-MM-JJ)
 *   superieur, auMoins       >, ≥
 *   dansLeMois               the date falls in the month AAAA-MM (usually "$periode")
 * Transformations (optional, applied to the fact before the operator):
 *   plusJours: n                      date + n days (the 91st paid day is date_debut_indemnisation + 90)
 *   diviseePar: { champ, plus? }      number ÷ (other fact + plus), e.g. daily allowance per person in the household
 *
 * An operand written "$nom" is a parameter: "$periode" is the month being processed, the others
 * come from the context (a programme's `parametres`, possibly overridden locally).
 * A missing fact is blank. Text facts may hold numbers with a decimal comma; an empty or
 * unparseable fact makes numeric and date comparisons false (so `non` of such a comparison is true).
 */
import { parseIsoDate } from '../shared/calendar.ts';

/** A fact: a cell of an extract (text), an answer (text, number, yes/no). */
export type Fait = string | number | boolean;
/** The facts a rule reads, by name: a row of an extract, the answers of a questionnaire. A missing fact is blank. */
export type Faits = Readonly<Record<string, Fait | undefined>>;
/** A value written in a rule (an operand). */
export type Valeur = string | number | boolean;

export interface Comparaison {
  champ: string;
  plusJours?: number;
  diviseePar?: { champ: string; plus?: number };
  egal?: Valeur;
  different?: Valeur;
  dans?: Valeur[];
  horsDe?: Valeur[];
  vide?: boolean;
  inferieur?: Valeur;
  auPlus?: Valeur;
  superieur?: Valeur;
  auMoins?: Valeur;
  dansLeMois?: string;
}

export type Regle = { tous: Regle[] } | { un: Regle[] } | { non: Regle } | { toujours: true } | Comparaison;

export const OPERATEURS = ['egal', 'different', 'dans', 'horsDe', 'vide', 'inferieur', 'auPlus', 'superieur', 'auMoins', 'dansLeMois'] as const;
export type Operateur = (typeof OPERATEURS)[number];
export const TRANSFORMATIONS = ['plusJours', 'diviseePar'] as const;
const COMBINATEURS = ['tous', 'un', 'non', 'toujours'] as const;
const COMPARAISONS_ORDONNEES: readonly Operateur[] = ['inferieur', 'auPlus', 'superieur', 'auMoins'];

export type Chemin = (string | number)[];

// ---- introspection ------------------------------------------------------------------------------

/** Each comparison of a rule with its path inside the rule. */
export function comparaisons(regle: Regle, chemin: Chemin = []): { chemin: Chemin; comparaison: Comparaison }[] {
  if ('tous' in regle) return regle.tous.flatMap((r, i) => comparaisons(r, [...chemin, 'tous', i]));
  if ('un' in regle) return regle.un.flatMap((r, i) => comparaisons(r, [...chemin, 'un', i]));
  if ('non' in regle) return comparaisons(regle.non, [...chemin, 'non']);
  if ('toujours' in regle) return [];
  return [{ chemin, comparaison: regle }];
}

/** The operator of a well-formed comparison. */
export function operateurDe(c: Comparaison): Operateur {
  const op = OPERATEURS.find((o) => c[o] !== undefined);
  if (!op) throw new RuleError(`comparaison sans opérateur sur « ${c.champ} »`);
  return op;
}

/** The values a comparison is compared with (a list for dans / horsDe, one value otherwise). */
export function valeursDe(c: Comparaison): Valeur[] {
  const v = c[operateurDe(c)];
  return Array.isArray(v) ? v : [v as Valeur];
}

/** Every fact a rule reads (the divisor of diviseePar included). */
export function ruleFields(regle: Regle): string[] {
  const out = new Set<string>();
  for (const { comparaison: c } of comparaisons(regle)) {
    out.add(c.champ);
    if (c.diviseePar) out.add(c.diviseePar.champ);
  }
  return [...out];
}

/** Every "$nom" parameter of a comparison (without the "$"), "$periode" included. */
export function comparisonParameters(c: Comparaison): string[] {
  return valeursDe(c).flatMap((v) => (typeof v === 'string' && v.startsWith('$') ? [v.slice(1)] : []));
}

/** Every "$nom" parameter a rule uses (without the "$"), "$periode" included. */
export function ruleParameters(regle: Regle): string[] {
  return [...new Set(comparaisons(regle).flatMap(({ comparaison }) => comparisonParameters(comparaison)))];
}

export class RuleError extends Error {
  override name = 'RuleError';
}

// ---- validation (French messages, with the path inside the rule) ---------------------------------

export interface RuleProblem { path: Chemin; message: string }

const isValeur = (v: unknown): v is Valeur => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isParam = (v: unknown): boolean => typeof v === 'string' && /^\$[A-Za-z][A-Za-z0-9_]*$/.test(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIsoMonth = (v: string) => /^\d{4}-(0[1-9]|1[0-2])$/.test(v);
const isIsoDate = (v: string) => parseIsoDate(v) !== null;

const FORMES = '{ tous }, { un }, { non }, { toujours: true } ou { champ, opérateur }';

/** Checks the shape of a rule; returns every problem found (empty when the rule is well formed). */
export function ruleProblems(value: unknown, path: Chemin = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (p: Chemin, message: string) => problems.push({ path: p, message });
  if (!isObject(value)) {
    add(path, `condition attendue : un objet ${FORMES}`);
    return problems;
  }
  const keys = Object.keys(value);
  for (const combinator of COMBINATEURS) {
    if (!(combinator in value)) continue;
    if (keys.length !== 1) add(path, `« ${combinator} » ne peut pas être combiné avec d'autres clés (${keys.filter((k) => k !== combinator).join(', ')})`);
    const inner = value[combinator];
    if (combinator === 'toujours') {
      if (inner !== true) add([...path, 'toujours'], 'true attendu');
    } else if (combinator === 'non') {
      problems.push(...ruleProblems(inner, [...path, 'non']));
    } else if (!Array.isArray(inner)) add([...path, combinator], 'liste de conditions attendue');
    else inner.forEach((r, i) => problems.push(...ruleProblems(r, [...path, combinator, i])));
    return problems;
  }
  const known = [...OPERATEURS, ...TRANSFORMATIONS, 'champ'] as readonly string[];
  const unknown = keys.filter((k) => !known.includes(k));
  if (typeof value.champ !== 'string' || value.champ === '') {
    if (unknown.length > 0 && !('champ' in value)) add(path, `clé(s) inconnue(s) : ${unknown.join(', ')} ; une condition s'écrit ${FORMES}`);
    else add([...path, 'champ'], `nom du fait attendu (« champ » : une colonne, une question), ou bien une condition ${FORMES}`);
    return problems;
  }
  if (unknown.length > 0) add(path, `clé(s) inconnue(s) : ${unknown.join(', ')} ; opérateurs possibles : ${OPERATEURS.join(', ')}`);
  const ops = OPERATEURS.filter((o) => value[o] !== undefined);
  if (ops.length !== 1) {
    add(path, ops.length === 0
      ? `opérateur manquant sur « ${value.champ} » ; opérateurs possibles : ${OPERATEURS.join(', ')}`
      : `un seul opérateur par comparaison (trouvés : ${ops.join(', ')})`);
    return problems;
  }
  const op = ops[0] as Operateur;
  const operand = value[op];
  const at = [...path, op];
  switch (op) {
    case 'egal':
    case 'different':
      if (!isValeur(operand)) add(at, 'valeur texte, nombre ou true/false attendue');
      break;
    case 'dans':
    case 'horsDe':
      if (!Array.isArray(operand) || operand.length === 0) add(at, 'liste non vide de valeurs attendue');
      else operand.forEach((v, i) => { if (!isValeur(v)) add([...at, i], 'valeur texte, nombre ou true/false attendue'); });
      break;
    case 'vide':
      if (typeof operand !== 'boolean') add(at, 'true ou false attendu');
      break;
    case 'dansLeMois':
      if (typeof operand !== 'string' || !(isParam(operand) || isIsoMonth(operand))) add(at, 'mois AAAA-MM ou paramètre « $periode » attendu');
      break;
    default:
      if (!(typeof operand === 'number' && Number.isFinite(operand)) && !(typeof operand === 'string' && (isParam(operand) || isIsoDate(operand)))) {
        add(at, 'nombre, date AAAA-MM-JJ ou paramètre « $nom » attendu');
      }
  }
  if (value.plusJours !== undefined) {
    if (!Number.isInteger(value.plusJours)) add([...path, 'plusJours'], 'nombre entier de jours attendu');
    if (op !== 'dansLeMois' && !COMPARAISONS_ORDONNEES.includes(op)) {
      add([...path, 'plusJours'], `plusJours ne s'applique qu'aux comparaisons de dates (dansLeMois, inferieur, auPlus, superieur, auMoins), pas à ${op}`);
    }
  }
  if (value.diviseePar !== undefined) {
    const d = value.diviseePar;
    if (!isObject(d) || typeof d.champ !== 'string' || d.champ === '') add([...path, 'diviseePar'], 'objet { champ, plus? } attendu');
    else {
      const extra = Object.keys(d).filter((k) => k !== 'champ' && k !== 'plus');
      if (extra.length > 0) add([...path, 'diviseePar'], `clé(s) inconnue(s) : ${extra.join(', ')}`);
      if (d.plus !== undefined && !(typeof d.plus === 'number' && Number.isFinite(d.plus))) add([...path, 'diviseePar', 'plus'], 'nombre attendu');
    }
    if (!COMPARAISONS_ORDONNEES.includes(op)) add([...path, 'diviseePar'], `diviseePar ne s'applique qu'aux comparaisons numériques (inferieur, auPlus, superieur, auMoins), pas à ${op}`);
    if (value.plusJours !== undefined) add(path, 'plusJours et diviseePar ne peuvent pas être combinés');
  }
  return problems;
}
