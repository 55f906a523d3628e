import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Signalements (issue 9, shape « signalement »): health establishments signal a person to the
 * competent Carsat social service.
 * - organisations: an establishment is an organisation of the network (type 'etablissement'),
 *   identified by its FINESS number, located in a commune.
 * - contacts.origine gains 'signalement': the person signalled, on the Carsat's own worklist.
 * - signalements: what the establishment may see of its own signalements — the date, the
 *   receiving organisation, the person's initials, and the link to the contact whose status
 *   (derived from the Carsat's events) gives « reçu / pris en charge / refusé ». No notes, no
 *   events, no other personal data. Kept until `conserver_jusqu_au` (the contact's deadline at
 *   creation); the initials are wiped with the contact (trigger below).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE organisations ADD COLUMN finess text CHECK (finess IS NULL OR finess ~ '^([0-9]{9}|2[AB][0-9]{7})$');
    ALTER TABLE organisations ADD COLUMN commune_code text;
    CREATE UNIQUE INDEX organisations_finess ON organisations (finess) WHERE finess IS NOT NULL;
    ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_origine_check;
    ALTER TABLE contacts ADD CONSTRAINT contacts_origine_check CHECK (origine IN ('paquet', 'extrait', 'signalement'));
    CREATE TABLE signalements (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      etablissement_code text REFERENCES organisations(code),
      finess text NOT NULL,
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      periode text NOT NULL CHECK (periode ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      date_signalement date NOT NULL,
      initiales text CHECK (initiales IS NULL OR length(initiales) <= 12),
      contact_id bigint REFERENCES contacts(id) ON DELETE SET NULL,
      resultat text NOT NULL CHECK (resultat IN ('ajoute', 'deja_suivi')),
      origine text NOT NULL CHECK (origine IN ('formulaire', 'fichier')),
      cree_le timestamptz NOT NULL DEFAULT now(),
      cree_par uuid REFERENCES comptes(id) ON DELETE SET NULL,
      conserver_jusqu_au date NOT NULL
    );
    CREATE INDEX signalements_etablissement ON signalements (etablissement_code, cree_le DESC);
    CREATE INDEX signalements_contact ON signalements (contact_id);
    CREATE INDEX signalements_echeance ON signalements (conserver_jusqu_au);
    CREATE FUNCTION signalements_effacer_contact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE signalements SET initiales = NULL WHERE contact_id = NEW.id AND initiales IS NOT NULL;
      RETURN NEW;
    END
    $$;
    CREATE TRIGGER contacts_detruits_signalements AFTER UPDATE OF detruit_le ON contacts
      FOR EACH ROW WHEN (OLD.detruit_le IS NULL AND NEW.detruit_le IS NOT NULL)
      EXECUTE FUNCTION signalements_effacer_contact()
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP TRIGGER contacts_detruits_signalements ON contacts;
    DROP FUNCTION signalements_effacer_contact();
    DROP TABLE signalements;
    DELETE FROM contacts WHERE origine = 'signalement';
    ALTER TABLE contacts DROP CONSTRAINT contacts_origine_check;
    ALTER TABLE contacts ADD CONSTRAINT contacts_origine_check CHECK (origine IN ('paquet', 'extrait'));
    DROP INDEX organisations_finess;
    ALTER TABLE organisations DROP COLUMN finess, DROP COLUMN commune_code
  `);
}
