import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Cohorts that never repeat a person (issue 9).
 * - `suivis_termines`: once a contact is destroyed, the only trace that the person was followed
 *   in a programme: her pseudonym and the date from which the programme may target her again
 *   (`delaiNouveauCiblageMois` after the end of her follow-up). No other data; the row is deleted
 *   on that date by the retention job (src/privacy/retention.ts). Like the opposition register, it
 *   lives past the contact's destruction so that a later package or extract does not bring her
 *   back as a newcomer before the delay.
 * - `contacts_suivi`: finds a person's live follow-up in a programme by pseudonym.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE suivis_termines (
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      pseudonyme text NOT NULL CHECK (pseudonyme ~ '^[0-9a-f]{64}$'),
      termine_le date NOT NULL,
      reciblable_le date NOT NULL,
      PRIMARY KEY (organisation_code, programme, pseudonyme)
    );
    CREATE INDEX suivis_termines_echeance ON suivis_termines (reciblable_le);
    CREATE INDEX contacts_suivi ON contacts (organisation_code, programme, pseudonyme, importe_le) WHERE detruit_le IS NULL AND pseudonyme IS NOT NULL
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP INDEX contacts_suivi;
    DROP TABLE suivis_termines
  `);
}
