/**
 * The targeting rule language: a small JSON condition tree over the columns of a source row.
 * Rules are data (they live in data/programmes/*.json); `matches` is the one pure evaluator.
 *
 *   { "all": [ … ] }   every sub-rule holds (an empty list holds)
 *   { "any": [ … ] }   at least one sub-rule holds (an empty list never holds)
 *   { "not": rule }    the sub-rule does not hold
 *   { "field": "col", <transform>?, <operator> }   a comparison on one column
 *
 * Operators (exactly one per comparison):
 *   eq, ne          equal / not equal (text; numerically when the operand is a number)
 *   in, notIn       one of / none of a list of values
 *   empty           true: the cell is empty; false: it is filled
 *   lt, lte, gt, gte  numeric comparison (operand a number) or date comparison (operand YYYY-MM-DD)
 *   inMonth         the date falls in the month YYYY-MM (usually "$periode")
 * Transforms (optional, applied to the cell before the operator):
 *   addDays: n                       date + n days (the 91st paid day is date_debut_indemnisation + 90)
 *   divideBy: { field, add? }        number ÷ (other column + add), e.g. IJ per person in the household
 *
 * An operand written "$name" is a parameter: "$periode" is the month being processed, the others
 * come from the context (the programme's `parametres`, possibly overridden locally).
 * Cells are the text of the extract: decimals accept a comma; an empty or unparseable cell makes
 * numeric and date comparisons false (so `not` of such a comparison is true).
 */
import { addDays, dayNumber, isIsoDate, isIsoMonth } from './dates.ts';

export type Scalar = string | number;

export interface Comparison {
  field: string;
  addDays?: number;
  divideBy?: { field: string; add?: number };
  eq?: Scalar;
  ne?: Scalar;
  in?: Scalar[];
  notIn?: Scalar[];
  empty?: boolean;
  lt?: Scalar;
  lte?: Scalar;
  gt?: Scalar;
  gte?: Scalar;
  inMonth?: string;
}

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Comparison;

/** A row of an extract (or of several joined extracts): column → cell text ('' when empty). */
export type Row = Readonly<Record<string, string | undefined>>;

export interface RuleContext {
  /** Month being processed, YYYY-MM: the value of "$periode". */
  periode: string;
  /** Values of the other "$name" operands. */
  parametres?: Readonly<Record<string, Scalar>>;
}

export const OPERATORS = ['eq', 'ne', 'in', 'notIn', 'empty', 'lt', 'lte', 'gt', 'gte', 'inMonth'] as const;
export type Operator = (typeof OPERATORS)[number];
const TRANSFORMS = ['addDays', 'divideBy'] as const;

export class RuleError extends Error {
  override name = 'RuleError';
}

// ---- evaluation ---------------------------------------------------------------------------------

export function matches(rule: Rule, row: Row, context: RuleContext): boolean {
  if ('all' in rule) return rule.all.every((r) => matches(r, row, context));
  if ('any' in rule) return rule.any.some((r) => matches(r, row, context));
  if ('not' in rule) return !matches(rule.not, row, context);
  return compare(rule, row, context);
}

function resolve(operand: Scalar, context: RuleContext): Scalar {
  if (typeof operand !== 'string' || !operand.startsWith('$')) return operand;
  const name = operand.slice(1);
  if (name === 'periode') return context.periode;
  const value = context.parametres?.[name];
  if (value === undefined) throw new RuleError(`paramètre de ciblage inconnu : « ${operand} »`);
  return value;
}

export function parseNumber(text: string): number | null {
  return /^-?\d+([.,]\d+)?$/.test(text.trim()) ? Number(text.trim().replace(',', '.')) : null;
}

function operatorOf(c: Comparison): Operator {
  const op = OPERATORS.find((o) => c[o] !== undefined);
  if (!op) throw new RuleError(`comparaison sans opérateur sur « ${c.field} »`);
  return op;
}

function compare(c: Comparison, row: Row, context: RuleContext): boolean {
  const raw = row[c.field] ?? '';
  const op = operatorOf(c);
  switch (op) {
    case 'empty':
      return (raw.trim() === '') === c.empty;
    case 'eq':
      return equals(raw, resolve(c.eq as Scalar, context));
    case 'ne':
      return !equals(raw, resolve(c.ne as Scalar, context));
    case 'in':
      return (c.in as Scalar[]).some((v) => equals(raw, resolve(v, context)));
    case 'notIn':
      return !(c.notIn as Scalar[]).some((v) => equals(raw, resolve(v, context)));
    case 'inMonth': {
      const month = String(resolve(c.inMonth as string, context));
      if (!isIsoMonth(month)) throw new RuleError(`mois invalide pour inMonth : « ${month} » (AAAA-MM attendu)`);
      const date = dateValue(raw, c);
      return date !== null && date.slice(0, 7) === month;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const operand = resolve(c[op] as Scalar, context);
      let cmp: number | null;
      if (typeof operand === 'string' && isIsoDate(operand)) {
        const date = dateValue(raw, c);
        cmp = date === null ? null : (dayNumber(date) as number) - (dayNumber(operand) as number);
      } else {
        const right = typeof operand === 'number' ? operand : parseNumber(operand);
        if (right === null) throw new RuleError(`opérande non numérique pour ${op} sur « ${c.field} » : « ${operand} »`);
        const left = numberValue(raw, c, row);
        cmp = left === null ? null : left - right;
      }
      if (cmp === null) return false;
      return op === 'lt' ? cmp < 0 : op === 'lte' ? cmp <= 0 : op === 'gt' ? cmp > 0 : cmp >= 0;
    }
  }
}

function equals(raw: string, operand: Scalar): boolean {
  if (typeof operand === 'number') {
    const n = parseNumber(raw);
    return n !== null && n === operand;
  }
  return raw === operand;
}

function dateValue(raw: string, c: Comparison): string | null {
  if (!isIsoDate(raw)) return null;
  return c.addDays ? addDays(raw, c.addDays) : raw;
}

function numberValue(raw: string, c: Comparison, row: Row): number | null {
  const n = parseNumber(raw);
  if (n === null) return null;
  if (!c.divideBy) return n;
  const d = parseNumber(row[c.divideBy.field] ?? '');
  if (d === null) return null;
  const divisor = d + (c.divideBy.add ?? 0);
  return divisor === 0 ? null : n / divisor;
}

// ---- introspection ------------------------------------------------------------------------------

/** Every column a rule reads. */
export function ruleFields(rule: Rule): string[] {
  const out = new Set<string>();
  const walk = (r: Rule): void => {
    if ('all' in r) r.all.forEach(walk);
    else if ('any' in r) r.any.forEach(walk);
    else if ('not' in r) walk(r.not);
    else {
      out.add(r.field);
      if (r.divideBy) out.add(r.divideBy.field);
    }
  };
  walk(rule);
  return [...out];
}

/** Every "$name" parameter a rule uses (without the "$"), "$periode" included. */
export function ruleParameters(rule: Rule): string[] {
  const out = new Set<string>();
  const take = (v: unknown) => { if (typeof v === 'string' && v.startsWith('$')) out.add(v.slice(1)); };
  const walk = (r: Rule): void => {
    if ('all' in r) r.all.forEach(walk);
    else if ('any' in r) r.any.forEach(walk);
    else if ('not' in r) walk(r.not);
    else for (const op of OPERATORS) {
      const v = r[op];
      if (Array.isArray(v)) v.forEach(take);
      else take(v);
    }
  };
  walk(rule);
  return [...out];
}

// ---- validation (French messages, with the path inside the rule) ---------------------------------

export interface RuleProblem { path: (string | number)[]; message: string }

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isParam = (v: unknown): boolean => typeof v === 'string' && /^\$[A-Za-z][A-Za-z0-9_]*$/.test(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape of a rule; returns every problem found (empty when the rule is well formed). */
export function ruleProblems(value: unknown, path: (string | number)[] = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (p: (string | number)[], message: string) => problems.push({ path: p, message });
  if (!isObject(value)) {
    add(path, 'condition attendue : un objet { all }, { any }, { not } ou { field, opérateur }');
    return problems;
  }
  const keys = Object.keys(value);
  for (const combinator of ['all', 'any'] as const) {
    if (combinator in value) {
      if (keys.length !== 1) add(path, `« ${combinator} » ne peut pas être combiné avec d'autres clés (${keys.filter((k) => k !== combinator).join(', ')})`);
      const list = value[combinator];
      if (!Array.isArray(list)) add([...path, combinator], 'liste de conditions attendue');
      else list.forEach((r, i) => problems.push(...ruleProblems(r, [...path, combinator, i])));
      return problems;
    }
  }
  if ('not' in value) {
    if (keys.length !== 1) add(path, `« not » ne peut pas être combiné avec d'autres clés (${keys.filter((k) => k !== 'not').join(', ')})`);
    problems.push(...ruleProblems(value.not, [...path, 'not']));
    return problems;
  }
  if (typeof value.field !== 'string' || value.field === '') {
    add([...path, 'field'], 'nom de colonne attendu (« field »), ou bien une condition all, any ou not');
    return problems;
  }
  const unknown = keys.filter((k) => k !== 'field' && !(OPERATORS as readonly string[]).includes(k) && !(TRANSFORMS as readonly string[]).includes(k));
  if (unknown.length > 0) add(path, `clé(s) inconnue(s) : ${unknown.join(', ')} ; opérateurs possibles : ${OPERATORS.join(', ')}`);
  const ops = OPERATORS.filter((o) => value[o] !== undefined);
  if (ops.length !== 1) {
    add(path, ops.length === 0
      ? `opérateur manquant sur « ${value.field} » ; opérateurs possibles : ${OPERATORS.join(', ')}`
      : `un seul opérateur par comparaison (trouvés : ${ops.join(', ')})`);
    return problems;
  }
  const op = ops[0] as Operator;
  const operand = value[op];
  const at = [...path, op];
  switch (op) {
    case 'eq':
    case 'ne':
      if (!isScalar(operand)) add(at, 'valeur texte ou nombre attendue');
      break;
    case 'in':
    case 'notIn':
      if (!Array.isArray(operand) || operand.length === 0) add(at, 'liste non vide de valeurs attendue');
      else operand.forEach((v, i) => { if (!isScalar(v)) add([...at, i], 'valeur texte ou nombre attendue'); });
      break;
    case 'empty':
      if (typeof operand !== 'boolean') add(at, 'true ou false attendu');
      break;
    case 'inMonth':
      if (typeof operand !== 'string' || !(isParam(operand) || isIsoMonth(operand))) add(at, 'mois AAAA-MM ou paramètre « $periode » attendu');
      break;
    default:
      if (!(typeof operand === 'number' && Number.isFinite(operand)) && !(typeof operand === 'string' && (isParam(operand) || isIsoDate(operand)))) {
        add(at, 'nombre, date AAAA-MM-JJ ou paramètre « $nom » attendu');
      }
  }
  if (value.addDays !== undefined) {
    if (!Number.isInteger(value.addDays)) add([...path, 'addDays'], 'nombre entier de jours attendu');
    if (['eq', 'ne', 'in', 'notIn', 'empty'].includes(op)) add([...path, 'addDays'], `addDays ne s'applique qu'aux comparaisons de dates (inMonth, lt, lte, gt, gte), pas à ${op}`);
  }
  if (value.divideBy !== undefined) {
    const d = value.divideBy;
    if (!isObject(d) || typeof d.field !== 'string' || d.field === '') add([...path, 'divideBy'], 'objet { field, add? } attendu');
    else {
      const extra = Object.keys(d).filter((k) => k !== 'field' && k !== 'add');
      if (extra.length > 0) add([...path, 'divideBy'], `clé(s) inconnue(s) : ${extra.join(', ')}`);
      if (d.add !== undefined && !(typeof d.add === 'number' && Number.isFinite(d.add))) add([...path, 'divideBy', 'add'], 'nombre attendu');
    }
    if (!['lt', 'lte', 'gt', 'gte'].includes(op)) add([...path, 'divideBy'], `divideBy ne s'applique qu'aux comparaisons numériques (lt, lte, gt, gte), pas à ${op}`);
    if (value.addDays !== undefined) add(path, 'addDays et divideBy ne peuvent pas être combinés');
  }
  return problems;
}
