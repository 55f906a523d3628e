/** The zod schema of a rule: the shape checks of rules.ts, reported as zod issues with their path inside the rule. */
import { z } from 'zod';
import { ruleProblems, type Regle } from './rules.ts';

export const ruleSchema = z.unknown().check((ctx) => {
  for (const p of ruleProblems(ctx.value)) {
    ctx.issues.push({ code: 'custom', message: p.message, path: p.path, input: ctx.value });
  }
}).transform((v) => v as Regle);
