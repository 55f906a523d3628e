import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Outreach: worklists are the contacts themselves (cohort month, assigned agent, version for
 * optimistic concurrency, status cached from the events); events are the facts from which a
 * person's status and the funnels are derived; orientations are referrals to a partner service.
 *
 * Destruction anonymises a contact instead of deleting it: its fields and pseudonym are wiped
 * (detruit_le is set) and the bare row stays, with its events, as an anonymous counting unit so
 * the funnels of past months survive the destruction of the personal data. Events and
 * orientations hold no personal data (codes, dates and partner codes only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE contacts ADD COLUMN periode text;
    UPDATE contacts c SET periode = p.periode FROM paquets p WHERE p.id = c.paquet_id AND p.detenteur = c.organisation_code;
    ALTER TABLE contacts ALTER COLUMN periode SET NOT NULL;
    ALTER TABLE contacts ADD CONSTRAINT contacts_periode CHECK (periode ~ '^[0-9]{4}-(0[1-9]|1[0-2])$');
    ALTER TABLE contacts ALTER COLUMN paquet_id DROP NOT NULL;
    ALTER TABLE contacts ALTER COLUMN pseudonyme DROP NOT NULL;
    ALTER TABLE contacts ALTER COLUMN champs DROP NOT NULL;
    ALTER TABLE contacts ADD COLUMN origine text NOT NULL DEFAULT 'paquet' CHECK (origine IN ('paquet', 'extrait'));
    ALTER TABLE contacts ADD COLUMN detruit_le timestamptz;
    ALTER TABLE contacts ADD CONSTRAINT contacts_detruit CHECK ((detruit_le IS NULL) = (champs IS NOT NULL AND pseudonyme IS NOT NULL));
    ALTER TABLE contacts ADD COLUMN agent_id uuid REFERENCES comptes(id) ON DELETE SET NULL;
    ALTER TABLE contacts ADD COLUMN version integer NOT NULL DEFAULT 0;
    ALTER TABLE contacts ADD COLUMN statut text NOT NULL DEFAULT 'a_contacter';
    ALTER TABLE contacts ADD COLUMN dernier_evenement_le timestamptz;
    ALTER TABLE contacts ADD COLUMN appelable boolean NOT NULL DEFAULT false;
    CREATE INDEX contacts_liste_mois ON contacts (organisation_code, programme, periode, statut);
    CREATE INDEX contacts_agent ON contacts (agent_id) WHERE agent_id IS NOT NULL;
    CREATE TABLE evenements (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      contact_id bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      periode text NOT NULL,
      code text NOT NULL CHECK (code IN (
        'offre_email_envoyee', 'offre_email_echec', 'offre_courrier_envoyee', 'appel_non_joint', 'appel_faux_numero',
        'appel_joint', 'offre_acceptee', 'offre_refusee', 'opposition', 'rdv_pris', 'rdv_honore', 'rdv_non_honore',
        'rdv_annule', 'orientation', 'accompagnement_debute')),
      detail text CHECK (detail IS NULL OR length(detail) <= 200),
      survenu_le timestamptz NOT NULL,
      enregistre_le timestamptz NOT NULL DEFAULT now(),
      auteur_id uuid REFERENCES comptes(id) ON DELETE SET NULL,
      origine text NOT NULL CHECK (origine IN ('agent', 'import', 'courriel', 'courrier', 'systeme'))
    );
    CREATE INDEX evenements_contact ON evenements (contact_id, survenu_le);
    CREATE INDEX evenements_cohorte ON evenements (organisation_code, programme, periode, code);
    CREATE TABLE orientations (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      contact_id bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      evenement_id bigint NOT NULL REFERENCES evenements(id) ON DELETE CASCADE,
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      partenaire text NOT NULL CHECK (partenaire IN ('misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa')),
      partenaire_organisation text REFERENCES organisations(code),
      statut text NOT NULL DEFAULT 'envoyee' CHECK (statut IN ('envoyee', 'acceptee', 'realisee')),
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 0
    );
    CREATE INDEX orientations_contact ON orientations (contact_id);
    CREATE INDEX orientations_partenaire ON orientations (partenaire_organisation, statut)
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP TABLE orientations, evenements;
    DELETE FROM contacts WHERE detruit_le IS NOT NULL OR paquet_id IS NULL;
    DROP INDEX contacts_liste_mois;
    DROP INDEX contacts_agent;
    ALTER TABLE contacts DROP CONSTRAINT contacts_detruit;
    ALTER TABLE contacts DROP CONSTRAINT contacts_periode;
    ALTER TABLE contacts DROP COLUMN periode, DROP COLUMN origine, DROP COLUMN detruit_le, DROP COLUMN agent_id,
      DROP COLUMN version, DROP COLUMN statut, DROP COLUMN dernier_evenement_le, DROP COLUMN appelable;
    ALTER TABLE contacts ALTER COLUMN paquet_id SET NOT NULL;
    ALTER TABLE contacts ALTER COLUMN pseudonyme SET NOT NULL;
    ALTER TABLE contacts ALTER COLUMN champs SET NOT NULL
  `);
}
