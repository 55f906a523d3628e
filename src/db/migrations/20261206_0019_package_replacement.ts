import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Package replacement (issue 10, "nothing lost, nothing twice"): a recipient imports one package per
 * programme, sender and period, unless a later one declares in its signed manifest that it replaces
 * the one imported last (`remplace`, src/exchange/manifest.ts). `paquets.remplace` keeps that id on
 * the recipient's row, so the current package of a period is the imported one nobody replaces.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE paquets ADD COLUMN remplace uuid;
    CREATE INDEX paquets_periode_idx ON paquets (detenteur, programme, expediteur, periode)
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP INDEX paquets_periode_idx;
    ALTER TABLE paquets DROP COLUMN remplace
  `);
}
