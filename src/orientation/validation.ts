/** Validation of a pathway's answers, with one French message per field (pure). */
import { compileRule, type Faits, type Predicate } from '../rules/index.ts';
import { parsePostalCode } from '../territories/index.ts';
import type { Parcours, Question, Reponses, Valeur } from './types.ts';

/** The extra answer that picks one commune when a postal code covers several (INSEE code, e.g. 59512 or 2A004). */
export const COMMUNE = 'commune';

export type Validation =
  | { ok: true; reponses: Reponses; commune?: string }
  | { ok: false; champs: Record<string, string> };

/** Each question's `poseeSi`, compiled once (the one rule evaluator, src/rules/). */
const posees = new WeakMap<Question, Predicate>();
function estApplicable(q: Question, reponses: Faits): boolean {
  if (!q.poseeSi) return true;
  let test = posees.get(q);
  if (!test) posees.set(q, (test = compileRule(q.poseeSi)));
  return test(reponses);
}

function checkOne(q: Question, value: unknown): { ok: true; value: Valeur } | { ok: false; message: string } {
  switch (q.type) {
    case 'code_postal': {
      if (typeof value !== 'string' && typeof value !== 'number') return { ok: false, message: 'Indiquez votre code postal en 5 chiffres (par exemple 83000).' };
      const parsed = parsePostalCode(String(value));
      return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, message: parsed.erreur };
    }
    case 'choix': {
      const option = q.options.find((o) => o.valeur === value);
      return option ? { ok: true, value: option.valeur } : { ok: false, message: 'Choisissez une des réponses proposées.' };
    }
    case 'oui_non':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, message: 'Répondez par oui ou par non.' };
    case 'nombre': {
      const min = q.min ?? 0;
      const max = q.max ?? 99;
      const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
        ? { ok: true, value: n }
        : { ok: false, message: `Indiquez un nombre entier entre ${min} et ${max}.` };
    }
  }
}

/**
 * Checks the answers of a pathway. A question is required unless its `poseeSi` condition is false (then its answer,
 * if any, is ignored). Unknown fields are refused. The optional `commune` answer chooses the commune of a postal code.
 */
export function validateReponses(parcours: Parcours, input: Record<string, unknown>): Validation {
  const champs: Record<string, string> = {};
  const reponses: Reponses = {};
  const connues = new Set([...parcours.questions.map((q) => q.id), COMMUNE]);
  for (const key of Object.keys(input)) if (!connues.has(key)) champs[key] = `Cette question n'existe pas dans le parcours « ${parcours.titre} ».`;
  for (const q of parcours.questions) {
    if (!estApplicable(q, reponses)) continue;
    const value = input[q.id];
    if (value === undefined || value === null || value === '') {
      champs[q.id] = 'Répondez à cette question.';
      continue;
    }
    const checked = checkOne(q, value);
    if (checked.ok) reponses[q.id] = checked.value;
    else champs[q.id] = checked.message;
  }
  let commune: string | undefined;
  const rawCommune = input[COMMUNE];
  if (rawCommune !== undefined && rawCommune !== null && rawCommune !== '') {
    if (typeof rawCommune === 'string' && /^\d[\dAB]\d{3}$/.test(rawCommune.trim().toUpperCase())) commune = rawCommune.trim().toUpperCase();
    else champs[COMMUNE] = 'Choisissez votre commune dans la liste proposée.';
  }
  if (Object.keys(champs).length) return { ok: false, champs };
  return { ok: true, reponses, ...(commune ? { commune } : {}) };
}
