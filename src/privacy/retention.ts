/**
 * Retention: destroys the personal data of the contacts whose deadline has come, and writes for
 * each (organisation, programme, package) a destruction record into the audit trail — counts and
 * a digest of the pseudonyms destroyed, never the data itself. Destroying a contact wipes its
 * fields, its pseudonym and the agents' free-text notes on its events; the bare row and its events stay as anonymous counting units for the
 * funnels (migration 0005).
 *
 * Digest: SHA-256 (hex) of the destroyed pseudonyms sorted in ascending byte order, each followed
 * by "\n". Whoever holds the package's pseudonyms can recompute it:
 *   sort pseudonymes.txt | sha256sum        (LC_ALL=C)
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { loadProgrammes } from '../programmes/index.ts';
import { durableEffect } from '../shared/crash-points.ts';
import { currentAuditHead, recordAudit } from './audit.ts';

export interface DestructionGroup {
  organisation: string;
  programme: string;
  /** Null for contacts from the organisation's own extract (no package). */
  paquet: string | null;
  nombre: number;
  /** Latest deadline among the records destroyed. */
  echeance: string;
  empreinte: string;
}

export interface DestructionReport {
  date: string; dryRun: boolean; groupes: DestructionGroup[]; total: number;
  /** Rows of the opposition register whose duration ran out (deleted unless dryRun), per organisation and programme. */
  oppositionsExpirees: { organisation: string; programme: string; nombre: number }[];
  /** Rows of the cohort register whose retargeting date came (deleted unless dryRun). */
  suivisTerminesPurges: number;
}

export function pseudonymsDigest(pseudonymes: readonly string[]): string {
  const hash = createHash('sha256');
  for (const p of [...pseudonymes].sort()) hash.update(`${p}\n`, 'utf8');
  return hash.digest('hex');
}

const isoDay = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

/**
 * Destroys (or, with dryRun, lists) every contact whose deadline is `today` or past. One
 * transaction per group (organisation, programme, package) holding the destruction and its proof
 * (`conservation.destruction`), then a durable effect (`destruction.groupe`).
 */
export async function destroyExpiredContacts(db: Kysely<DB>, options: { today?: Date | string; dryRun?: boolean; delays?: Readonly<Record<string, number>> } = {}): Promise<DestructionReport> {
  const date = isoDay(options.today ?? new Date());
  const delays = options.delays ?? Object.fromEntries(loadProgrammes().map((p) => [p.id, p.delaiNouveauCiblageMois]));
  const groups = await db.selectFrom('contacts')
    .select(['organisation_code', 'programme', 'paquet_id', sql<string>`count(*)`.as('n'), sql<string>`max(echeance)::text`.as('echeance')])
    .where(sql`echeance`, '<=', sql`${date}::date`).where('detruit_le', 'is', null)
    .groupBy(['organisation_code', 'programme', 'paquet_id']).orderBy('organisation_code').orderBy('paquet_id').execute();
  const report: DestructionReport = { date, dryRun: options.dryRun === true, groupes: [], total: 0, oppositionsExpirees: [], suivisTerminesPurges: 0 };
  for (const g of groups) {
    const work = async (trx: Kysely<DB>) => {
      const due = (q: any) => q.where('organisation_code', '=', g.organisation_code).where('programme', '=', g.programme)
        .where(g.paquet_id === null ? sql<boolean>`paquet_id IS NULL` : sql<boolean>`paquet_id = ${g.paquet_id}`)
        .where(sql`echeance`, '<=', sql`${date}::date`).where('detruit_le', 'is', null);
      const rows: { pseudonyme: string }[] = await due(trx.selectFrom('contacts').select('pseudonyme')).execute();
      const group: DestructionGroup = {
        organisation: g.organisation_code, programme: g.programme, paquet: g.paquet_id, nombre: rows.length,
        echeance: g.echeance, empreinte: pseudonymsDigest(rows.map((r) => r.pseudonyme)),
      };
      if (options.dryRun) return group;
      // Agents' free-text notes go with the data; structured details (appointment date, partner
      // codes) and the system's fixed texts stay for the funnels.
      await trx.updateTable('evenements').set({ detail: null })
        .where('contact_id', 'in', due(trx.selectFrom('contacts').select('id')))
        .where('code', 'not in', ['rdv_pris', 'orientation', 'accompagnement_debute']).where('origine', '!=', 'systeme')
        .where('detail', 'is not', null).execute();
      await rememberEndedFollowUps(trx, { contacts: due(trx.selectFrom('contacts').select('id')), delay: delays[g.programme] ?? 0, date });
      await due(trx.updateTable('contacts').set({ champs: null, pseudonyme: null, detruit_le: new Date() })).execute();
      const remaining = g.paquet_id === null ? { n: '1' } : await trx.selectFrom('contacts').select(sql<string>`count(*)`.as('n'))
        .where('organisation_code', '=', g.organisation_code).where('paquet_id', '=', g.paquet_id).where('detruit_le', 'is', null)
        .executeTakeFirstOrThrow();
      if (g.paquet_id !== null && Number(remaining.n) === 0) {
        await trx.updateTable('paquets').set({ statut: 'detruit', detruit_le: new Date() })
          .where('id', '=', g.paquet_id).where('detenteur', '=', g.organisation_code).execute();
      }
      // the record carries the trail's signed head as it stood: one more anchor, kept with the proof
      const ancre = await currentAuditHead(trx);
      await recordAudit(trx, {
        action: 'conservation.destruction', acteur: { compteId: null, organisation: g.organisation_code },
        cible: g.paquet_id === null ? { type: 'liste', id: `${g.organisation_code}/${g.programme}` } : { type: 'paquet', id: g.paquet_id },
        details: { programme: g.programme, paquet: g.paquet_id, nombre: group.nombre, empreinteSha256: group.empreinte, echeance: group.echeance, date, ...(ancre ? { ancre } : {}) },
      });
      return group;
    };
    const group = options.dryRun ? await work(db) : await db.transaction().execute(work);
    // the group's data and its proof were committed together: a rerun after a crash finds only the
    // groups not yet destroyed (detruit_le IS NULL above), so no proof is written twice
    if (!options.dryRun) durableEffect('destruction.groupe');
    report.groupes.push(group);
    report.total += group.nombre;
  }
  report.oppositionsExpirees = await purgeExpiredOppositions(db, date, options.dryRun === true);
  report.suivisTerminesPurges = await purgeRetargetable(db, date, options.dryRun === true);
  return report;
}

/**
 * The cohort register (migration 0014): before contacts are destroyed, remembers for each person
 * from when the programme may target her again (`delaiNouveauCiblageMois` after the end of her
 * follow-up, or after today when it never ended) — only when that date is still to come. Nothing
 * else is kept; the row goes on that date (purgeRetargetable).
 */
async function rememberEndedFollowUps(trx: Kysely<DB>, input: { contacts: any; delay: number; date: string }): Promise<void> {
  if (input.delay <= 0) return;
  const end = sql`coalesce(c.traite_le::date, ${input.date}::date)`;
  const from = sql`(${end} + make_interval(months => ${input.delay}::int))::date`;
  await sql`
    INSERT INTO suivis_termines (organisation_code, programme, pseudonyme, termine_le, reciblable_le)
    SELECT c.organisation_code, c.programme, c.pseudonyme, ${end}, ${from}
    FROM contacts c WHERE c.id IN (${input.contacts}) AND c.pseudonyme IS NOT NULL AND ${from} > ${input.date}::date
    ON CONFLICT (organisation_code, programme, pseudonyme)
      DO UPDATE SET termine_le = excluded.termine_le, reciblable_le = greatest(suivis_termines.reciblable_le, excluded.reciblable_le)`.execute(trx);
}

/** Deletes the cohort register's rows whose date has come: the person may be targeted again. */
async function purgeRetargetable(db: Kysely<DB>, date: string, dryRun: boolean): Promise<number> {
  if (dryRun) return 0;
  const result = await db.deleteFrom('suivis_termines').where(sql<boolean>`reciblable_le <= ${date}::date`).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}

/**
 * The opposition register (migration 0011) is NOT touched by the destruction of the contacts: it
 * is what keeps an objection honoured afterwards (art. 21 RGPD). Its rows go when their own
 * duration (`conserver_jusqu_au`, src/outreach/oppositions.ts) has passed: deleted, one audit
 * record per organisation and programme (counts only).
 */
async function purgeExpiredOppositions(db: Kysely<DB>, date: string, dryRun: boolean) {
  const expired = (q: any) => q.where(sql`conserver_jusqu_au`, '<', sql`${date}::date`);
  const groups = await expired(db.selectFrom('oppositions').select(['organisation_code', 'programme', sql<string>`count(*)`.as('n')]))
    .groupBy(['organisation_code', 'programme']).orderBy('organisation_code').orderBy('programme').execute() as { organisation_code: string; programme: string; n: string }[];
  const out = groups.map((g) => ({ organisation: g.organisation_code, programme: g.programme, nombre: Number(g.n) }));
  if (dryRun || out.length === 0) return out;
  await db.transaction().execute(async (trx) => {
    await expired(trx.deleteFrom('oppositions')).execute();
    for (const g of out) {
      await recordAudit(trx, {
        action: 'conservation.oppositions', acteur: { compteId: null, organisation: g.organisation },
        cible: { type: 'liste', id: `${g.organisation}/${g.programme}` }, details: { programme: g.programme, nombre: g.nombre, date },
      });
    }
  });
  return out;
}

/** Contacts still holding data after their deadline (before `today`): the DPO's sign that destruction is late. */
export async function overdueContacts(db: Kysely<DB>, filter: { organisation: string | null; today?: Date | string }): Promise<{ nombre: number; plusAncienneEcheance: string | null }> {
  const date = isoDay(filter.today ?? new Date());
  let q = db.selectFrom('contacts').select([sql<string>`count(*)`.as('n'), sql<string | null>`min(echeance)::text`.as('oldest')])
    .where(sql`echeance`, '<', sql`${date}::date`).where('detruit_le', 'is', null);
  if (filter.organisation !== null) q = q.where('organisation_code', '=', filter.organisation);
  const row = await q.executeTakeFirstOrThrow();
  return { nombre: Number(row.n), plusAncienneEcheance: row.oldest };
}
