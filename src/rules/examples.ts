/**
 * Examples stored next to the rules: each says, for some facts (and the month processed when the
 * rule reads "$periode"), whether the rule holds. They document the rule for whoever reads the
 * definition, and test/unit/rules-examples.test.ts runs every example of every definition in data/.
 */
import { z } from 'zod';
import { compileRule, type RuleContext } from './engine.ts';
import { RuleError, type Fait, type Regle } from './rules.ts';

export interface Exemple {
  /** What the example shows, in French. */
  situation?: string;
  /** The facts: columns of a row, answers to questions. */
  faits: Record<string, Fait>;
  /** The month processed ("$periode"), AAAA-MM. */
  periode?: string;
  /** Whether the rule holds for these facts. */
  attendu: boolean;
}

export const exempleSchema = z.object({
  situation: z.string().trim().min(1, 'texte non vide attendu').optional(),
  faits: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'valeur texte, nombre ou true/false attendue' })),
  periode: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois AAAA-MM attendu').optional(),
  attendu: z.boolean({ error: 'true ou false attendu' }),
}).strict();

export const exemplesSchema = z.array(exempleSchema);

/**
 * Runs the examples of one rule; returns a French message per example that fails (empty when all hold).
 * `context` gives the parameters; an example's `periode` overrides the context's.
 */
export function exampleFailures(regle: Regle, exemples: readonly Exemple[], context: RuleContext = {}): string[] {
  const out: string[] = [];
  exemples.forEach((e, i) => {
    const label = `exemples[${i}]${e.situation ? ` (« ${e.situation} »)` : ''}`;
    let got: boolean;
    try {
      got = compileRule(regle, e.periode ? { ...context, periode: e.periode } : context)(e.faits);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      out.push(`${label} : ${error.message}`);
      return;
    }
    if (got !== e.attendu) out.push(`${label} : la règle donne ${got ? 'vrai' : 'faux'}, l'exemple attend ${e.attendu ? 'vrai' : 'faux'}`);
  });
  return out;
}
