/**
 * Bulk outcomes: a CSV `pseudonyme;date;evenement;detail` (also with `,`, a BOM, in UTF-8 or
 * Windows-1252, read by the shared line reader of src/extracts/lines.ts), e.g. exported by a
 * call-centre tool. Each row is checked and recorded on its
 * own (a savepoint per row inside batches of 500): a rejected row is reported with its line and
 * a French reason and never loses the valid ones. The report never repeats the pseudonym.
 * Idempotent: an outcome already recorded for the person (same event, same moment, by any import
 * or by hand) is reported `deja_enregistree` and not recorded again, so a file can be sent again
 * after a failure or a crash. Each batch writes its own audit record in its own transaction.
 * And the worklist export (with the `pseudonyme` column), audited.
 */
import { randomUUID } from 'node:crypto';
import { spreadsheetRow } from '../shared/csv.ts';
import { stringify } from 'csv-stringify/sync';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { decideEncoding, decodeBlock, detectLineEnd, formulaProblem, hasUtf8Bom, readText } from '../extracts/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { durableEffect } from '../shared/crash-points.ts';
import { findProgramme, type Programme } from '../programmes/index.ts';
import { applyEvent, programmes } from './events.ts';
import { visibleFields } from './fields.ts';
import { OutreachRuleError, VersionConflict } from './rules.ts';
import { STATUS_LABELS, type Status } from './status.ts';
import { findEvent } from './vocabulary.ts';
import { worklistRepository } from './worklist-repository.ts';

/** The text of a file: UTF-8 (with or without BOM), or Windows-1252 when the file as a whole is not UTF-8 (src/extracts/lines.ts). */
export function decodeText(bytes: Uint8Array): string {
  const body = hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes;
  return decodeBlock(body, decideEncoding(bytes, detectLineEnd(body)));
}

export interface OutcomeRow { ligne: number; pseudonyme: string; date: Date; evenement: string; detail: string | null }
export interface RowReport { ligne: number; resultat: 'enregistree' | 'deja_enregistree' | 'rejetee'; motif: string }
export interface OutcomesReport {
  lignes: number; enregistrees: number;
  /** Rows already recorded for the person (same event, same moment): nothing new, nothing written. */
  dejaEnregistrees: number;
  rejetees: number;
  /** The import's identifier, in each of its audit records (`resultats.import`, one per batch). */
  import: string;
  rapport: RowReport[];
}

/** JJ/MM/AAAA in French time. */
const frenchDay = (d: Date) => d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' });

const FR_DATE = /^(\d{2})\/(\d{2})\/(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A date of the file: AAAA-MM-JJ[ HH:MM[:SS]] or JJ/MM/AAAA[ HH:MM[:SS]] (French local time when no offset), or null. */
export function parseOutcomeDate(value: string): Date | null {
  const v = value.trim();
  let y: number, mo: number, d: number, h = 12, mi = 0, s = 0, zone: string | undefined;
  const fr = FR_DATE.exec(v);
  const iso = ISO.exec(v);
  if (fr) { [d, mo, y] = [Number(fr[1]), Number(fr[2]), Number(fr[3])]; if (fr[4]) { h = Number(fr[4]); mi = Number(fr[5]); s = Number(fr[6] ?? 0); } }
  else if (iso) { [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])]; if (iso[4]) { h = Number(iso[4]); mi = Number(iso[5]); s = Number(iso[6] ?? 0); } zone = iso[7]; }
  else return null;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  const local = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;
  if (zone) return new Date(`${local}${zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
  // Paris time: +01:00 in winter, +02:00 in summer (last Sunday of March to last Sunday of October).
  const lastSunday = (month: number) => { const e = new Date(Date.UTC(y, month, 0)); return e.getUTCDate() - e.getUTCDay(); };
  const summer = (mo > 3 && mo < 10) || (mo === 3 && d >= lastSunday(3)) || (mo === 10 && d < lastSunday(10));
  return new Date(`${local}${summer ? '+02:00' : '+01:00'}`);
}

export type ParsedOutcomes = { ok: true; rows: OutcomeRow[]; rejets: RowReport[]; lignes: number } | { ok: false; erreur: string };

/**
 * Why an `evenement` cell is refused before its person is looked up: malformed, or unknown to the programme
 * named for the whole file. (A code is checked against the person's own programme when recorded.)
 */
export function eventRefusal(code: string, vocabulary?: Pick<Programme, 'id' | 'evenements'> | null): string | null {
  if (!/^[a-z0-9][a-z0-9_-]{0,59}$/.test(code)) return `événement mal formé « ${code.slice(0, 40)} » (un code d'événement du programme est attendu)`;
  if (vocabulary) {
    const found = findEvent(vocabulary, code);
    if (!found.ok) return found.raison;
  }
  return null;
}

/**
 * Parses the file with the shared line reader (src/extracts/lines.ts): a file that is not text is
 * refused whole, so is a bad header; a malformed line (unclosed quote, NUL, control character,
 * bytes of another encoding) or a bad row is rejected with its physical line and reading goes on.
 */
export function parseOutcomes(bytes: Uint8Array, now: Date = new Date(), vocabulary?: Pick<Programme, 'id' | 'evenements'> | null): ParsedOutcomes {
  // Plausible moments of an outcome: from 2000 to the day after the import (time zones).
  const earliest = Date.UTC(2000, 0, 1);
  const latest = now.getTime() + 24 * 3600 * 1000;
  const rows: OutcomeRow[] = [];
  const rejets: RowReport[] = [];
  const records: { cells: string[]; ligne: number }[] = [];
  let lignes = 0;
  const read = readText(bytes, {
    record: (cells, ligne) => { lignes++; records.push({ cells, ligne }); },
    bad: (ligne, motif) => { lignes++; rejets.push({ ligne, resultat: 'rejetee', motif }); },
  });
  if (!read.ok) return { ok: false, erreur: read.erreur };
  const delimiter = read.shape.delimiter;
  const header = (read.header?.cells ?? []).map((h) => h.trim().toLowerCase());
  const expected = ['pseudonyme', 'date', 'evenement'];
  if (header.length < 3 || expected.some((h, i) => header[i] !== h) || (header.length > 3 && header[3] !== 'detail')) {
    return { ok: false, erreur: `En-tête invalide à la ligne ${read.header?.line ?? 1} : attendu « pseudonyme;date;evenement;detail » (séparateur ; ou ,), reçu « ${header.join(delimiter).slice(0, 120)} ».` };
  }
  const detailColumn = { name: 'detail', type: 'text', required: false, description: '' } as const;
  const seen = new Map<string, number>();
  for (const { cells, ligne } of records) {
    const reject = (motif: string) => { rejets.push({ ligne, resultat: 'rejetee', motif }); };
    if (cells.length > 4) { reject(`${cells.length} colonnes au lieu de 4 au plus`); continue; }
    if (cells.length < 3) { reject(`${cells.length} colonne(s) au lieu de 3 ou 4`); continue; }
    const [pseudonyme = '', date = '', evenement = ''] = cells.map((c) => c.trim());
    const rawDetail = cells[3] ?? '';
    if (!/^[0-9a-f]{64}$/i.test(pseudonyme)) { reject('pseudonyme mal formé (64 caractères hexadécimaux attendus)'); continue; }
    const when = parseOutcomeDate(date);
    if (!when) { reject(`date invalide « ${date.slice(0, 25)} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA, avec l'heure éventuellement)`); continue; }
    if (when.getTime() < earliest || when.getTime() > latest) { reject(`date invraisemblable « ${date.slice(0, 25)} » (attendue entre 2000 et aujourd'hui)`); continue; }
    const code = evenement.toLowerCase();
    const refusal = eventRefusal(code, vocabulary);
    if (refusal) { reject(refusal); continue; }
    const formula = rawDetail === '' ? null : formulaProblem(detailColumn, rawDetail);
    if (formula) { reject(formula); continue; }
    const detail = rawDetail.trim();
    // The same outcome twice in one file (same person, moment and event): recorded once.
    const key = `${pseudonyme.toLowerCase()}|${when.toISOString()}|${code}`;
    const first = seen.get(key);
    if (first !== undefined) {
      // not a rejection: nothing is lost, the row is the same as an earlier one
      rejets.push({ ligne, resultat: 'deja_enregistree', motif: `même résultat qu'à la ligne ${first} (même personne, même date, même événement) : traité une seule fois, voir la ligne ${first}` });
      continue;
    }
    seen.set(key, ligne);
    rows.push({ ligne, pseudonyme: pseudonyme.toLowerCase(), date: when, evenement: code, detail: detail === '' ? null : detail });
  }
  rejets.sort((a, b) => a.ligne - b.ligne);
  return { ok: true, rows, rejets, lignes };
}

/**
 * Imports the outcomes for an organisation's worklists (optionally one programme). A pseudonym
 * is looked up among the organisation's live contacts (its most recent cohort when it appears in
 * several months); a pseudonym found in two programmes needs `programme`.
 */
export async function importOutcomes(db: Kysely<DB>, input: {
  organisation: string; programme?: string | null; bytes: Uint8Array; actor?: { compteId: string; organisation: string } | null; now?: Date; batchSize?: number;
}): Promise<{ ok: true; report: OutcomesReport } | { ok: false; erreur: string }> {
  const now = input.now ?? new Date();
  const programme = input.programme ? findProgramme(programmes(), input.programme) : null;
  if (input.programme && !programme) return { ok: false, erreur: `Programme « ${input.programme} » inconnu.` };
  const parsed = parseOutcomes(input.bytes, now, programme);
  if (!parsed.ok) return parsed;
  const rapport: RowReport[] = [...parsed.rejets];
  const batchSize = input.batchSize ?? 500;
  const importId = randomUUID();
  const acteur = input.actor ?? { compteId: null, organisation: input.organisation };
  let lot = 0;
  for (let start = 0; start < parsed.rows.length; start += batchSize) {
    const batch = parsed.rows.slice(start, start + batchSize);
    lot++;
    const lines = await db.transaction().execute(async (trx) => {
      const lines: RowReport[] = [];
      const found = await worklistRepository.byPseudonyms(trx, input.organisation, input.programme ?? null, [...new Set(batch.map((r) => r.pseudonyme))]);
      const byPseudonym = new Map<string, typeof found>();
      for (const c of found) (byPseudonym.get(c.pseudonyme!) ?? byPseudonym.set(c.pseudonyme!, []).get(c.pseudonyme!)!).push(c);
      // What is already recorded for these people, after locking them (in id order, as every
      // import does): an import running at the same time waits here, then sees this one's events.
      const contactIds = [...new Set(found.map((c) => String(c.id)))].sort((a, b) => Number(a) - Number(b));
      const recorded = new Map<string, Date>();
      const key = (contactId: string, code: string, at: Date) => `${contactId}|${code}|${at.getTime()}`;
      if (contactIds.length > 0) {
        await sql`SELECT id FROM contacts WHERE id IN (${sql.join(contactIds.map((id) => sql`${id}::bigint`))}) ORDER BY id FOR UPDATE`.execute(trx);
        const existing = await trx.selectFrom('evenements').select([sql<string>`contact_id::text`.as('contact_id'), 'code', sql<Date>`survenu_le`.as('survenu_le'), sql<Date>`enregistre_le`.as('enregistre_le')])
          .where(sql<boolean>`contact_id IN (${sql.join(contactIds.map((id) => sql`${id}::bigint`))})`)
          .where('code', 'in', [...new Set(batch.map((r) => r.evenement))]).execute();
        for (const e of existing) {
          const k = key(e.contact_id, e.code, new Date(e.survenu_le));
          const at = new Date(e.enregistre_le);
          const seen = recorded.get(k);
          if (!seen || at < seen) recorded.set(k, at);
        }
      }
      for (const row of batch) {
        const candidates = byPseudonym.get(row.pseudonyme) ?? [];
        const inProgrammes = new Set(candidates.map((c) => c.programme));
        if (candidates.length === 0) { lines.push({ ligne: row.ligne, resultat: 'rejetee', motif: `personne absente des listes de travail de ${input.organisation}${input.programme ? ` pour le programme ${input.programme}` : ''} (ou données déjà détruites)` }); continue; }
        if (inProgrammes.size > 1) { lines.push({ ligne: row.ligne, resultat: 'rejetee', motif: `personne présente dans plusieurs programmes (${[...inProgrammes].join(', ')}) : précisez le programme` }); continue; }
        const contactId = String(candidates[0]!.id);
        const already = recorded.get(key(contactId, row.evenement, row.date));
        if (already) {
          lines.push({ ligne: row.ligne, resultat: 'deja_enregistree', motif: `déjà enregistré le ${frenchDay(already)} (même personne, même date, même événement) : rien de nouveau` });
          continue;
        }
        await sql`SAVEPOINT resultat`.execute(trx);
        try {
          const r = await applyEvent(trx, { contactId, code: row.evenement, detail: row.detail, occurredAt: row.date, authorId: input.actor?.compteId ?? null, origin: 'import', now });
          await sql`RELEASE SAVEPOINT resultat`.execute(trx);
          recorded.set(key(contactId, row.evenement, row.date), now);
          lines.push({ ligne: row.ligne, resultat: 'enregistree', motif: `statut : ${STATUS_LABELS[r.status]}` });
        } catch (error) {
          await sql`ROLLBACK TO SAVEPOINT resultat`.execute(trx);
          if (!(error instanceof OutreachRuleError) && !(error instanceof VersionConflict)) throw error;
          lines.push({ ligne: row.ligne, resultat: 'rejetee', motif: error.message.replace(/\.$/, '') });
        }
      }
      // the batch's audit record, in the batch's transaction: no recorded outcome without its record
      const counts = countRows(lines);
      await recordAudit(trx, {
        action: 'resultats.import', acteur, cible: { type: 'organisation', id: input.organisation },
        details: { programme: input.programme ?? null, import: importId, lot, lignes: batch.length, ...counts },
      });
      return lines;
    });
    durableEffect('resultats.lot');
    rapport.push(...lines);
  }
  rapport.sort((a, b) => a.ligne - b.ligne);
  return { ok: true, report: { lignes: parsed.lignes, ...countRows(rapport), import: importId, rapport } };
}

function countRows(rows: readonly RowReport[]) {
  let enregistrees = 0, dejaEnregistrees = 0, rejetees = 0;
  for (const r of rows) {
    if (r.resultat === 'enregistree') enregistrees++;
    else if (r.resultat === 'deja_enregistree') dejaEnregistrees++;
    else rejetees++;
  }
  return { enregistrees, dejaEnregistrees, rejetees };
}

/** The row report as CSV (ligne;resultat;motif), UTF-8 with BOM for spreadsheet tools. */
export function reportCsv(report: OutcomesReport): string {
  return `\uFEFF${stringify([['ligne', 'resultat', 'motif'], ...report.rapport.map((r) => spreadsheetRow([r.ligne, r.resultat, r.motif]))], { delimiter: ';' })}`;
}

/**
 * Writes a cohort's worklist as CSV rows (pseudonyme, statut, appelable, then the fields the
 * programme allows), page by page; audited once with the count (no personal data in the trail).
 */
export async function exportWorklist(db: Kysely<DB>, input: {
  organisation: string; programme: string; mois: string; write: (chunk: string) => void | Promise<void>; actor?: { compteId: string | null; organisation: string } | null;
}): Promise<{ ok: true; lignes: number; colonnes: string[] } | { ok: false; erreur: string }> {
  const programme = findProgramme(programmes(), input.programme);
  if (!programme) return { ok: false, erreur: `Programme « ${input.programme} » inconnu.` };
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(input.mois)) return { ok: false, erreur: `Mois invalide « ${input.mois} » : attendu AAAA-MM.` };
  const f = { organisation: input.organisation, programme: input.programme, periode: input.mois };
  // Columns: the union of the visible fields over the cohort, in a stable order.
  const columns: string[] = [];
  let after = '0';
  for (;;) {
    const rows = await worklistRepository.exportRows(db, f, after, 2000);
    if (rows.length === 0) break;
    for (const r of rows) for (const k of Object.keys(visibleFields(programme, r.origine, r.champs ?? {}))) if (!columns.includes(k)) columns.push(k);
    after = String(rows[rows.length - 1]!.id);
  }
  const header = ['pseudonyme', 'statut', 'appelable', ...columns];
  await input.write(`\uFEFF${stringify([spreadsheetRow(header)], { delimiter: ';' })}`);
  let lignes = 0;
  after = '0';
  for (;;) {
    const rows = await worklistRepository.exportRows(db, f, after, 2000);
    if (rows.length === 0) break;
    const out = rows.map((r) => {
      const v = visibleFields(programme, r.origine, r.champs ?? {});
      return spreadsheetRow([r.pseudonyme ?? '', STATUS_LABELS[r.statut as Status] ?? r.statut, r.appelable ? 'oui' : 'non', ...columns.map((c) => v[c] ?? '')]);
    });
    await input.write(stringify(out, { delimiter: ';' }));
    lignes += rows.length;
    after = String(rows[rows.length - 1]!.id);
  }
  await recordAudit(db, {
    action: 'liste.export', acteur: input.actor ?? { compteId: null, organisation: input.organisation },
    cible: { type: 'liste', id: `${input.organisation}/${input.programme}/${input.mois}` }, details: { lignes, colonnes: header.length },
  });
  return { ok: true, lignes, colonnes: header };
}
