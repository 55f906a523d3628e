/**
 * An organisation's own secret keys (table `cles_organisation`): the pseudonym key of the people on
 * its own worklists (in-house and signalement programmes), encrypted at rest by the master key.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { activeMasterKeys, isProtected, protectedKeyId, protectSecret, readSecret, type MasterKeys } from './protection.ts';

/** What an organisation key is, bound into its encryption (a value moved to another row does not open). */
const organisationKeyContext = (organisation: string, usage: string) => `cle_organisation:${organisation}:${usage}`;

/**
 * An organisation's own pseudonym key (32 bytes, hex), created on first use; it never leaves the
 * organisation. Stored encrypted by the instance's master key (`pcm1.…`, like the keyrings and the
 * conventions' keys, src/exchange/protection.ts); a clear row (before migration 0011) is still read.
 */
export async function organisationPseudonymKey(db: Kysely<DB>, organisation: string): Promise<string> {
  const context = organisationKeyContext(organisation, 'pseudonyme');
  await db.insertInto('cles_organisation').values({ organisation_code: organisation, usage: 'pseudonyme', cle: protectSecret(randomBytes(32).toString('hex'), context) })
    .onConflict((oc) => oc.columns(['organisation_code', 'usage']).doNothing()).execute();
  const row = await db.selectFrom('cles_organisation').select('cle').where('organisation_code', '=', organisation).where('usage', '=', 'pseudonyme').executeTakeFirstOrThrow();
  return readSecret(row.cle, context);
}

/**
 * Encrypts with the current master key every organisation key still in clear or under a previous
 * master key (first start after migration 0011, master key rotation). One transaction; returns the count.
 */
export async function protectOrganisationKeys(db: Kysely<DB>, keys: MasterKeys = activeMasterKeys()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let converted = 0;
    for (const r of await trx.selectFrom('cles_organisation').select(['organisation_code', 'usage', 'cle']).forUpdate().execute()) {
      if (isProtected(r.cle) && protectedKeyId(r.cle) === keys.current.id) continue;
      const context = organisationKeyContext(r.organisation_code, r.usage);
      const clear = readSecret(r.cle, context, keys);
      await trx.updateTable('cles_organisation').set({ cle: protectSecret(clear, context, keys) })
        .where('organisation_code', '=', r.organisation_code).where('usage', '=', r.usage).execute();
      converted++;
    }
    return converted;
  });
}
