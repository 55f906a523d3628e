import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/** Append-only, hash-chained audit trail. A unique hash_precedent makes a forked chain impossible. */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE journal_audit (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      horodatage timestamptz NOT NULL,
      acteur_compte_id uuid,
      acteur_organisation text,
      action text NOT NULL,
      cible_type text,
      cible_id text,
      details jsonb NOT NULL DEFAULT '{}',
      hash_precedent text NOT NULL UNIQUE,
      hash text NOT NULL UNIQUE
    );
    CREATE INDEX journal_audit_action ON journal_audit (action, horodatage);
    CREATE FUNCTION journal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'journal_audit est en ajout seul : % interdit', TG_OP;
    END $$;
    CREATE TRIGGER journal_audit_no_update BEFORE UPDATE OR DELETE ON journal_audit
      FOR EACH ROW EXECUTE FUNCTION journal_audit_append_only();
    CREATE TRIGGER journal_audit_no_truncate BEFORE TRUNCATE ON journal_audit
      FOR EACH STATEMENT EXECUTE FUNCTION journal_audit_append_only();
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP TABLE journal_audit;
    DROP FUNCTION journal_audit_append_only();
  `);
}
