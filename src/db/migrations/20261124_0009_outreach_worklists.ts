import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Outreach worklists at scale (1M contacts, 10M events): the worklist page reads one cohort
 * (organisation, programme, month) of live contacts, filtered by status and sorted by id, with
 * offset pagination; a person is found again by pseudonym (CSV outcomes, an opposition given in
 * another month). Partial indexes on live contacts keep destroyed (anonymous) rows out.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE INDEX contacts_liste_page ON contacts (organisation_code, programme, periode, statut, id) WHERE detruit_le IS NULL;
    CREATE INDEX contacts_liste_ordre ON contacts (organisation_code, programme, periode, id) WHERE detruit_le IS NULL;
    CREATE INDEX contacts_liste_recents ON contacts (organisation_code, programme, periode, dernier_evenement_le, id) WHERE detruit_le IS NULL;
    CREATE INDEX contacts_pseudonyme ON contacts (organisation_code, programme, pseudonyme) WHERE pseudonyme IS NOT NULL;
    CREATE INDEX contacts_agent_liste ON contacts (agent_id, organisation_code, programme, periode, id) WHERE agent_id IS NOT NULL AND detruit_le IS NULL;
    CREATE INDEX evenements_opposition ON evenements (contact_id) WHERE code = 'opposition'
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP INDEX evenements_opposition;
    DROP INDEX contacts_agent_liste;
    DROP INDEX contacts_pseudonyme;
    DROP INDEX contacts_liste_recents;
    DROP INDEX contacts_liste_ordre;
    DROP INDEX contacts_liste_page
  `);
}
