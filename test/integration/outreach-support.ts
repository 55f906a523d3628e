/** Fixtures for the outreach tests: contacts inserted directly on a worklist. */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/index.ts';

export const pseudo = (seed: string) => createHash('sha256').update(seed).digest('hex');

export async function insertContact(db: Kysely<DB>, c: {
  organisation?: string; programme?: string; periode?: string; champs?: Record<string, string>; seed?: string; appelable?: boolean;
  importeLe?: Date; echeance?: string; origine?: 'paquet' | 'extrait';
}): Promise<string> {
  const r = await db.insertInto('contacts').values({
    organisation_code: c.organisation ?? 'cpam-83', programme: c.programme ?? 'aidants', paquet_id: null, periode: c.periode ?? '2026-11',
    pseudonyme: pseudo(c.seed ?? Math.random().toString()), champs: JSON.stringify(c.champs ?? { email: 'a@example.org', telephone: '0612345678', code_postal: '83000' }),
    importe_le: c.importeLe ?? new Date('2026-11-02T08:00:00Z'), echeance: c.echeance ?? '2027-02-02', origine: c.origine ?? 'paquet',
    appelable: c.appelable ?? true,
  }).returning('id').executeTakeFirstOrThrow();
  return String(r.id);
}
