/**
 * Demo: a few real offer e-mails through the real path (outbox → job queue → SMTP → the demo
 * catcher), so the administrator's page shows caught mail on a fresh `npm start`. Once: nothing
 * happens when the outbox already holds a message.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { ChannelRefusal, prepareOfferEmail, type MailSettings } from './mail.ts';
import { queueDelivery } from './dispatcher.ts';

export async function seedDemoMail(db: Kysely<DB>, settings: MailSettings, options: { organisation?: string; count?: number } = {}): Promise<number> {
  const any = await db.selectFrom('courriels').select('id').limit(1).executeTakeFirst();
  if (any) return 0;
  const organisation = options.organisation ?? 'cpam-83';
  // People of the latest month not yet contacted, with an e-mail address.
  const candidates = await db.selectFrom('contacts as c').select(sql<string>`c.id::text`.as('id'))
    .where('c.organisation_code', '=', organisation).where('c.programme', '=', 'aidants').where('c.detruit_le', 'is', null)
    .where(sql<boolean>`c.champs->>'email' <> ''`)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('evenements as e').select('e.id').whereRef('e.contact_id', '=', 'c.id'))))
    .orderBy('c.periode', 'desc').orderBy('c.id').limit((options.count ?? 6) * 3).execute();
  const ids: string[] = [];
  for (const c of candidates) {
    if (ids.length >= (options.count ?? 6)) break;
    try {
      ids.push((await prepareOfferEmail(db, settings, { contactId: c.id, actor: null })).id);
    } catch (e) {
      if (!(e instanceof ChannelRefusal)) throw e;
    }
  }
  await queueDelivery(db, ids);
  return ids.length;
}
