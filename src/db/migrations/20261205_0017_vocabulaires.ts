import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Programme vocabularies (issue 9 §4): each programme declares its own events and their partners
 * (data/programmes/*.json). Orientations may now go to the local Caf correspondent (PRADO), the health
 * examination centre (CES) and the Caf's home help (TISF); the list of partners is checked by the
 * programme loader, the database keeps a guard on the known codes.
 */
const PARTNERS = ['misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa', 'caf_correspondant', 'ces', 'tisf'];
const OLD_PARTNERS = ['misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa'];
const list = (codes: string[]) => codes.map((c) => `'${c}'`).join(', ');

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE orientations DROP CONSTRAINT orientations_partenaire_check;
    ALTER TABLE orientations ADD CONSTRAINT orientations_partenaire_check CHECK (partenaire IN (${list(PARTNERS)}));
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DELETE FROM orientations WHERE partenaire NOT IN (${list(OLD_PARTNERS)});
    ALTER TABLE orientations DROP CONSTRAINT orientations_partenaire_check;
    ALTER TABLE orientations ADD CONSTRAINT orientations_partenaire_check CHECK (partenaire IN (${list(OLD_PARTNERS)}));
  `);
}
