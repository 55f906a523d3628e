import { sql, type Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Programme vocabularies (issue 9 §4): each programme declares its own events and their partners
 * (data/programmes/*.json). Orientations may now go to the local Caf correspondent (PRADO), the health
 * examination centre (CES) and the Caf's home help (TISF); the list of partners is checked by the
 * programme loader, the database keeps a guard on the known codes. Event codes are the programme's own: the
 * closed list of issue 4 becomes a format check (the loader and src/outreach check the code against the
 * programme's vocabulary before anything is written).
 */
const OLD_CODES = [
  'offre_email_envoyee', 'offre_email_echec', 'offre_courrier_envoyee', 'appel_non_joint', 'appel_faux_numero', 'appel_joint',
  'offre_acceptee', 'offre_refusee', 'opposition', 'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule', 'orientation', 'accompagnement_debute',
];
const PARTNERS = ['misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa', 'caf_correspondant', 'ces', 'tisf'];
const OLD_PARTNERS = ['misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa'];
const list = (codes: string[]) => codes.map((c) => `'${c}'`).join(', ');

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE orientations DROP CONSTRAINT orientations_partenaire_check;
    ALTER TABLE orientations ADD CONSTRAINT orientations_partenaire_check CHECK (partenaire IN (${list(PARTNERS)}));
    ALTER TABLE evenements DROP CONSTRAINT evenements_code_check;
    ALTER TABLE evenements ADD CONSTRAINT evenements_code_check CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,59}$');
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ n: string }>`
    SELECT (SELECT count(*) FROM evenements WHERE NOT (code = ANY(${OLD_CODES}::text[])))
      + (SELECT count(*) FROM orientations WHERE NOT (partenaire = ANY(${OLD_PARTNERS}::text[]))) AS n`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new Error('Migration descendante impossible : des événements ou des orientations utilisent les vocabulaires des programmes, que la version précédente ne connaît pas.');
  }
  await runScript(db, `
    ALTER TABLE evenements DROP CONSTRAINT evenements_code_check;
    ALTER TABLE evenements ADD CONSTRAINT evenements_code_check CHECK (code IN (${list(OLD_CODES)}));
    ALTER TABLE orientations DROP CONSTRAINT orientations_partenaire_check;
    ALTER TABLE orientations ADD CONSTRAINT orientations_partenaire_check CHECK (partenaire IN (${list(OLD_PARTNERS)}));
  `);
}
