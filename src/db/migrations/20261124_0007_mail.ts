import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Channels (e-mail and letter): the outbox of offer e-mails, the mail caught by the demo SMTP
 * server, and each organisation's own keys (the pseudonym key of its own extracts, e.g. the Caf's
 * separation contact plan).
 *
 * The outbox keeps the message body only as long as the contact's data: when a contact is
 * destroyed (detruit_le set by the retention job), a trigger wipes the bodies of its e-mails and
 * the raw messages the demo server caught. The recipient's address is never stored in the outbox:
 * it is read from the contact when the message is sent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE courriels (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      message_id text NOT NULL UNIQUE,
      contact_id bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      modele text NOT NULL,
      objet text NOT NULL CHECK (length(objet) <= 200),
      corps_texte text,
      corps_html text,
      statut text NOT NULL DEFAULT 'en_attente' CHECK (statut IN ('en_attente', 'envoye', 'echec', 'rejete', 'annule')),
      tentatives integer NOT NULL DEFAULT 0 CHECK (tentatives >= 0),
      derniere_erreur text CHECK (derniere_erreur IS NULL OR length(derniere_erreur) <= 300),
      demande_par uuid REFERENCES comptes(id) ON DELETE SET NULL,
      evenement_id bigint REFERENCES evenements(id) ON DELETE SET NULL,
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now(),
      envoye_le timestamptz,
      efface_le timestamptz
    );
    CREATE INDEX courriels_organisation ON courriels (organisation_code, cree_le DESC);
    CREATE INDEX courriels_contact ON courriels (contact_id);
    CREATE INDEX courriels_en_attente ON courriels (statut) WHERE statut = 'en_attente';
    CREATE TABLE courriels_demo (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      message_id text NOT NULL REFERENCES courriels(message_id) ON DELETE CASCADE,
      recu_le timestamptz NOT NULL DEFAULT now(),
      taille integer NOT NULL CHECK (taille >= 0),
      brut text
    );
    CREATE INDEX courriels_demo_message ON courriels_demo (message_id);
    CREATE TABLE cles_organisation (
      organisation_code text NOT NULL REFERENCES organisations(code),
      usage text NOT NULL CHECK (usage IN ('pseudonyme')),
      cle text NOT NULL CHECK (cle ~ '^[0-9a-f]{64,}$'),
      cree_le timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_code, usage)
    );
    CREATE UNIQUE INDEX contacts_extrait_personne ON contacts (organisation_code, programme, periode, pseudonyme)
      WHERE origine = 'extrait' AND pseudonyme IS NOT NULL;
    CREATE FUNCTION courriels_effacer_contact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE courriels_demo SET brut = NULL
        WHERE brut IS NOT NULL AND message_id IN (SELECT message_id FROM courriels WHERE contact_id = NEW.id);
      UPDATE courriels SET corps_texte = NULL, corps_html = NULL, efface_le = now()
        WHERE contact_id = NEW.id AND efface_le IS NULL;
      RETURN NEW;
    END
    $$;
    CREATE TRIGGER contacts_detruits_courriels AFTER UPDATE OF detruit_le ON contacts
      FOR EACH ROW WHEN (OLD.detruit_le IS NULL AND NEW.detruit_le IS NOT NULL)
      EXECUTE FUNCTION courriels_effacer_contact()
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP TRIGGER contacts_detruits_courriels ON contacts;
    DROP FUNCTION courriels_effacer_contact();
    DROP INDEX contacts_extrait_personne;
    DROP TABLE cles_organisation, courriels_demo, courriels
  `);
}
