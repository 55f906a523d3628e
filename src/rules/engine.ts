/**
 * The one evaluator of the rule language (rules.ts): a rule is compiled once, for a context (the
 * month processed, the parameters' values), into a plain function of the facts. Parameters are
 * resolved, operators chosen, dates and months turned into day numbers at compile time, so that
 * evaluating a row of an extract costs a few property reads and comparisons (the monthly cycle
 * evaluates millions of rows). Pure: no I/O.
 */
import { daysFromCivil, daysInMonth, parseIsoDate } from '../shared/calendar.ts';
import { operateurDe, RuleError, type Comparaison, type Fait, type Faits, type Regle, type Valeur } from './rules.ts';

export interface RuleContext {
  /** Month being processed, AAAA-MM: the value of "$periode". */
  periode?: string;
  /** Values of the other "$nom" operands. */
  parametres?: Readonly<Record<string, Valeur>>;
}

/** A compiled rule: true when the facts satisfy it. */
export type Predicate = (faits: Faits) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

/** Text as a number: "41,47", "-3", "12.5"; null when it is not one. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  return /^-?\d+([.,]\d+)?$/.test(t) ? Number(t.replace(',', '.')) : null;
}

function numberOf(v: Fait | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' ? parseNumber(v) : null;
}

function dayOf(v: Fait | undefined): number | null {
  return typeof v === 'string' ? parseIsoDate(v) : null;
}

function resolve(operand: Valeur, context: RuleContext): Valeur {
  if (typeof operand !== 'string' || !operand.startsWith('$')) return operand;
  const name = operand.slice(1);
  if (name === 'periode') {
    if (context.periode === undefined) throw new RuleError('paramètre « $periode » sans valeur : le mois traité doit être donné');
    return context.periode;
  }
  const value = context.parametres?.[name];
  if (value === undefined) throw new RuleError(`paramètre inconnu : « ${operand} »`);
  return value;
}

/** Equality of a fact with a resolved operand: numeric for a number, exact otherwise. */
function equalTo(operand: Valeur): (v: Fait | undefined) => boolean {
  if (typeof operand === 'number') return (v) => numberOf(v) === operand;
  return (v) => (v ?? '') === operand;
}

/** Compiles a (well-formed) rule for a context. Throws RuleError when a parameter has no value. */
export function compileRule(regle: Regle, context: RuleContext = {}): Predicate {
  if ('tous' in regle) {
    const parts = regle.tous.map((r) => compileRule(r, context));
    if (parts.length === 0) return TRUE;
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 2) { const [a, b] = parts as [Predicate, Predicate]; return (f) => a(f) && b(f); }
    return (f) => { for (const p of parts) if (!p(f)) return false; return true; };
  }
  if ('un' in regle) {
    const parts = regle.un.map((r) => compileRule(r, context));
    if (parts.length === 0) return FALSE;
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 2) { const [a, b] = parts as [Predicate, Predicate]; return (f) => a(f) || b(f); }
    return (f) => { for (const p of parts) if (p(f)) return true; return false; };
  }
  if ('non' in regle) {
    const inner = compileRule(regle.non, context);
    return (f) => !inner(f);
  }
  if ('toujours' in regle) return TRUE;
  return compileComparison(regle, context);
}

function compileComparison(c: Comparaison, context: RuleContext): Predicate {
  const champ = c.champ;
  const op = operateurDe(c);
  switch (op) {
    case 'vide': {
      const vide = c.vide as boolean;
      return (f) => {
        const v = f[champ];
        return (v === undefined || (typeof v === 'string' && v.trim() === '')) === vide;
      };
    }
    case 'egal': {
      const eq = equalTo(resolve(c.egal as Valeur, context));
      return (f) => eq(f[champ]);
    }
    case 'different': {
      const eq = equalTo(resolve(c.different as Valeur, context));
      return (f) => !eq(f[champ]);
    }
    case 'dans':
    case 'horsDe': {
      const values = (c[op] as Valeur[]).map((v) => resolve(v, context));
      const inside = values.every((v) => typeof v !== 'number')
        ? ((set) => (v: Fait | undefined) => set.has(v ?? ''))(new Set<Fait>(values))
        : ((eqs) => (v: Fait | undefined) => eqs.some((eq) => eq(v)))(values.map(equalTo));
      return op === 'dans' ? (f) => inside(f[champ]) : (f) => !inside(f[champ]);
    }
    case 'dansLeMois': {
      const month = String(resolve(c.dansLeMois as string, context));
      const m = /^(\d{4})-(\d{2})$/.exec(month);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RuleError(`mois invalide pour dansLeMois : « ${month} » (AAAA-MM attendu)`);
      const first = daysFromCivil(Number(m[1]), Number(m[2]), 1) - (c.plusJours ?? 0);
      const last = first + daysInMonth(Number(m[1]), Number(m[2])) - 1;
      return (f) => {
        const d = dayOf(f[champ]);
        return d !== null && d >= first && d <= last;
      };
    }
    default: {
      const operand = resolve(c[op] as Valeur, context);
      const test = op === 'inferieur' ? (x: number) => x < 0 : op === 'auPlus' ? (x: number) => x <= 0 : op === 'superieur' ? (x: number) => x > 0 : (x: number) => x >= 0;
      const day = typeof operand === 'string' ? parseIsoDate(operand) : null;
      if (day !== null) {
        const limit = day - (c.plusJours ?? 0);
        return (f) => {
          const d = dayOf(f[champ]);
          return d !== null && test(d - limit);
        };
      }
      const right = typeof operand === 'number' ? operand : typeof operand === 'string' ? parseNumber(operand) : null;
      if (right === null) throw new RuleError(`opérande non numérique pour ${op} sur « ${champ} » : « ${String(operand)} »`);
      const divisor = c.diviseePar;
      if (!divisor) {
        return (f) => {
          const n = numberOf(f[champ]);
          return n !== null && test(n - right);
        };
      }
      const other = divisor.champ;
      const plus = divisor.plus ?? 0;
      return (f) => {
        const n = numberOf(f[champ]);
        if (n === null) return false;
        const d = numberOf(f[other]);
        if (d === null || d + plus === 0) return false;
        return test(n / (d + plus) - right);
      };
    }
  }
}

/** Evaluates a rule once (compiles it each time: for a rule evaluated many times, compile it with compileRule). */
export function evaluateRule(regle: Regle, faits: Faits, context: RuleContext = {}): boolean {
  return compileRule(regle, context)(faits);
}
