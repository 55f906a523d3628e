/**
 * Front door of the `rules` context: the one rule language of Passerelle (ADR 0006) and its one
 * evaluator, shared by the programmes' targeting (facts: the columns of an extract row) and the
 * citizen orientation (facts: the answers to the questions). Pure domain, no I/O.
 *
 * - Regle, ruleProblems / ruleSchema: the language and its validation (French messages with the path).
 * - compileRule(regle, context) → (faits) => boolean: the evaluator, compiled once per context.
 * - ruleFields, ruleParameters, comparaisons: what a rule reads.
 * - Exemple, exemplesSchema, exampleFailures: the examples stored next to the rules.
 * Documentation: docs/adr/0006-one-rule-language.md, docs/programmes.md#the-rule-language.
 */
export {
  ruleProblems, ruleFields, ruleParameters, comparisonParameters, comparaisons, operateurDe, valeursDe, RuleError,
  type Regle, type Comparaison, type Fait, type Faits, type Valeur, type Operateur, type RuleProblem, type Chemin,
} from './rules.ts';
export { compileRule, evaluateRule, type RuleContext, type Predicate } from './engine.ts';
export { ruleSchema } from './schema.ts';
export { exemplesSchema, exampleFailures, type Exemple } from './examples.ts';
