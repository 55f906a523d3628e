import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Keyed audit chain (docs/adr/0002-keyed-audit-chain.md): each new entry names the key that sealed
 * it (`cle`, the master key id its HMAC key derives from); entries before this migration stay
 * under the old unkeyed rule up to the switch point recorded here. The signed head (one row,
 * updated with every entry) and the periodic anchors (append-only) let `audit verify` see a cut tail. Also: failed logins counted per e-mail and address (src/accounts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE journal_audit ADD COLUMN cle text;
    CREATE TABLE journal_audit_bascule (
      id smallint PRIMARY KEY CHECK (id = 1),
      dernier_id_non_scelle bigint NOT NULL,
      le timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO journal_audit_bascule (id, dernier_id_non_scelle) SELECT 1, coalesce(max(id), 0) FROM journal_audit;
    CREATE TRIGGER journal_audit_bascule_fixe BEFORE UPDATE OR DELETE ON journal_audit_bascule
      FOR EACH ROW EXECUTE FUNCTION journal_audit_append_only();
    CREATE TABLE journal_audit_tete (
      id smallint PRIMARY KEY CHECK (id = 1),
      tete jsonb NOT NULL,
      signature text NOT NULL
    );
    CREATE TABLE journal_audit_cles (
      cle text PRIMARY KEY,
      valeur text NOT NULL
    );
    CREATE TABLE journal_audit_ancres (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source text NOT NULL,
      tete jsonb NOT NULL,
      signature text NOT NULL
    );
    CREATE TRIGGER journal_audit_ancres_ajout_seul BEFORE UPDATE OR DELETE ON journal_audit_ancres
      FOR EACH ROW EXECUTE FUNCTION journal_audit_append_only();
    -- failed logins per (e-mail, address), known account or not (src/accounts): the key is a SHA-256, never the e-mail
    CREATE TABLE echecs_connexion (
      cle text PRIMARY KEY,
      echecs integer NOT NULL,
      dernier_echec timestamptz NOT NULL,
      verrouille_jusqu_a timestamptz
    );
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP TABLE echecs_connexion;
    DROP TABLE journal_audit_ancres;
    DROP TABLE journal_audit_cles;
    DROP TABLE journal_audit_tete;
    DROP TABLE journal_audit_bascule;
    ALTER TABLE journal_audit DROP COLUMN cle;
  `);
}
