import { sql, type Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Exchange transport and key protection.
 * - `trousseaux.trousseau` becomes text: a keyring encrypted with the instance's master key
 *   (`pcm1.…`, src/exchange/protection.ts). `conventions.cle_pseudonyme` may hold the same kind of
 *   value. Rows in clear are converted at the next start (`protectStoredSecrets`, called by
 *   openInstance): the master key never enters the database, so a migration cannot do it.
 * - `partenaires`: the partner registry (which organisation is reachable at which inbox URL, and
 *   the public keyring this instance trusts for it).
 * - `paquets.accuse` (the signed acknowledgement, kept by both sides) and `paquets.motif` (the
 *   refusal code of a refused package).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE trousseaux ALTER COLUMN trousseau TYPE text USING trousseau::text;
    ALTER TABLE conventions DROP CONSTRAINT IF EXISTS conventions_cle_pseudonyme_check;
    ALTER TABLE conventions ADD CONSTRAINT conventions_cle_pseudonyme_check CHECK (cle_pseudonyme ~ '^[0-9a-f]{64,}$' OR cle_pseudonyme ~ '^pcm1[.][0-9a-f]{16}[.][A-Za-z0-9_.-]+$');
    ALTER TABLE paquets ADD COLUMN accuse jsonb;
    ALTER TABLE paquets ADD COLUMN motif text CHECK (motif ~ '^[a-z][a-z0-9_]{0,63}$');
    CREATE TABLE partenaires (
      organisation_code text PRIMARY KEY REFERENCES organisations(code),
      url_boite text CHECK (url_boite ~ '^https?://'),
      trousseau_public jsonb NOT NULL,
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now()
    )
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ n: string }>`
    SELECT (SELECT count(*) FROM trousseaux WHERE trousseau LIKE 'pcm1.%') + (SELECT count(*) FROM conventions WHERE cle_pseudonyme LIKE 'pcm1.%') AS n`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new Error('Migration descendante impossible : des clés sont chiffrées par la clé maîtresse et la version précédente ne sait pas les lire.');
  }
  await runScript(db, `
    DROP TABLE partenaires;
    ALTER TABLE paquets DROP COLUMN motif;
    ALTER TABLE paquets DROP COLUMN accuse;
    ALTER TABLE conventions DROP CONSTRAINT conventions_cle_pseudonyme_check;
    ALTER TABLE conventions ADD CONSTRAINT conventions_cle_pseudonyme_check CHECK (cle_pseudonyme ~ '^[0-9a-f]{64,}$');
    ALTER TABLE trousseaux ALTER COLUMN trousseau TYPE jsonb USING trousseau::jsonb
  `);
}
