import { sql, type Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Privacy fixes.
 * - `oppositions`: the long-lived opposition register (art. 21 RGPD). One row per (organisation,
 *   programme, pseudonym): the date of the objection and how long the row is kept. It holds no
 *   other data, no contact id (the destroyed contact rows stay anonymous), and survives the
 *   destruction of the contacts, so a later package or extract bringing the same pseudonym back
 *   marks the person as opposed at once (src/outreach/oppositions.ts, docs/outreach.md).
 *   Backfilled from the opposition events of live contacts (kept one year + 183 days from today;
 *   refreshed at the next encounter).
 * - `cles_organisation.cle` may hold a value encrypted by the master key (`pcm1.…`,
 *   src/exchange/protection.ts); clear rows are converted at the next start
 *   (`protectOrganisationKeys`, called by openInstance).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE oppositions (
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      pseudonyme text NOT NULL CHECK (pseudonyme ~ '^[0-9a-f]{64}$'),
      oppose_le timestamptz NOT NULL,
      enregistre_le timestamptz NOT NULL DEFAULT now(),
      conserver_jusqu_au date NOT NULL,
      PRIMARY KEY (organisation_code, programme, pseudonyme)
    );
    CREATE INDEX oppositions_echeance ON oppositions (conserver_jusqu_au);
    INSERT INTO oppositions (organisation_code, programme, pseudonyme, oppose_le, conserver_jusqu_au)
      SELECT c.organisation_code, c.programme, c.pseudonyme, min(e.survenu_le), (current_date + 548)
      FROM evenements e JOIN contacts c ON c.id = e.contact_id
      WHERE e.code = 'opposition' AND c.pseudonyme IS NOT NULL
      GROUP BY c.organisation_code, c.programme, c.pseudonyme;
    ALTER TABLE cles_organisation DROP CONSTRAINT IF EXISTS cles_organisation_cle_check;
    ALTER TABLE cles_organisation ADD CONSTRAINT cles_organisation_cle_check CHECK (cle ~ '^[0-9a-f]{64,}$' OR cle ~ '^pcm1[.][0-9a-f]{16}[.][A-Za-z0-9_.-]+$')
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM cles_organisation WHERE cle LIKE 'pcm1.%'`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new Error('Migration descendante impossible : des clés d\'organisme sont chiffrées par la clé maîtresse et la version précédente ne sait pas les lire.');
  }
  await runScript(db, `
    ALTER TABLE cles_organisation DROP CONSTRAINT cles_organisation_cle_check;
    ALTER TABLE cles_organisation ADD CONSTRAINT cles_organisation_cle_check CHECK (cle ~ '^[0-9a-f]{64,}$');
    DROP TABLE oppositions
  `);
}
