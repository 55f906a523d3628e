import { sql, type Kysely } from 'kysely';

/** Splits an SQL script into statements (respecting $$-quoted bodies) and runs them one by one:
 * PGlite's extended protocol accepts a single statement per query. */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inDollarQuote = false;
  for (let i = 0; i < script.length; i++) {
    if (script.startsWith('$$', i)) {
      inDollarQuote = !inDollarQuote;
      current += '$$';
      i++;
      continue;
    }
    const ch = script[i];
    if (ch === ';' && !inDollarQuote) {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export async function runScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) await sql.raw(statement).execute(db);
}
