/**
 * The recipient's side of an exchange: verify a package against the database (trusted senders'
 * keys, replay, convention), import it all-or-nothing into the contacts of the receiving
 * organisation, and write a signed acknowledgement next to it. And the sender's side of the
 * acknowledgement: verify it and record it on the package.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse';
import { sql, type Kysely } from 'kysely';
import { allowedFields, conventionStatus } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import { findProgramme, loadProgrammes, retentionDeadline, type Programme } from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { enrolContacts, isCallable, markRegisteredOppositions, type EnrolmentPerson } from '../outreach/index.ts';
import { signAcknowledgement, verifyAcknowledgement, type Acknowledgement, type SignedAcknowledgement } from './ack.ts';
import { currentGeneration, trustedSigningKeys, type Keyring } from './keys.ts';
import { ManifestSchema } from './manifest.ts';
import { openPayloadStream, verifyPackage, type VerificationCode } from './open.ts';
import { exchangeRepository } from './repository.ts';

export type ImportRefusalCode = VerificationCode | 'organisation_inconnue' | 'programme_inconnu' | 'champs_non_autorises' | 'contenu_invalide' | 'dechiffrement_impossible'
  | 'periode_deja_importee';

/** A package refused: nothing was imported. */
export class ImportRefused extends Error {
  readonly code: ImportRefusalCode;
  readonly paquet: string | undefined;
  /**
   * The signed acknowledgement to send back: a rejection (`rejete`, motif = code) when the sender
   * was authenticated (its signature verified); for a replay, the acknowledgement of the first
   * import. Absent when the sender could not be authenticated.
   */
  accuse?: SignedAcknowledgement;
  /** Where that acknowledgement was written (NAME.accuse.json next to the package). */
  accuseFichier?: string;
  constructor(code: ImportRefusalCode, message: string, paquet?: string) {
    super(message);
    this.code = code;
    this.paquet = paquet;
  }
}

/** Refusals that come after the sender's signature was verified: the recipient signs a rejection acknowledgement for them. */
const ACKNOWLEDGED_REFUSALS: ReadonlySet<ImportRefusalCode> = new Set([
  'convention_inactive', 'empreinte_incorrecte', 'programme_inconnu', 'champs_non_autorises', 'contenu_invalide', 'dechiffrement_impossible',
  'periode_deja_importee',
]);

/**
 * An import stopped by an unexpected error (database, disk…): nothing was imported, and the
 * package can be imported again. Its message is French and carries no personal data: the original
 * error (whose message or details may quote a record's values, as PostgreSQL does) is dropped, only
 * its error code is kept.
 */
export class ImportFailed extends Error {
  readonly paquet: string;
  constructor(paquet: string, code: string | undefined) {
    super(`Import du paquet ${paquet} interrompu par une erreur interne${code ? ` (code ${code})` : ''} : rien n'a été importé. `
      + 'Réessayez ; si l’erreur persiste, signalez-la à l’exploitant de l’instance.');
    this.name = 'ImportFailed';
    this.paquet = paquet;
  }
}

/**
 * Characters refused in a cell: NUL (PostgreSQL refuses it in text and jsonb), the other C0
 * control characters (tab, CR and LF included: no cell holds one), DEL, the C1 control characters
 * (U+0080–U+009F, refused by the extract readers too), and U+FFFD, what an invalid UTF-8 sequence
 * decodes to.
 */
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

/** How a forbidden character is named in a refusal (its code point, never the value around it). */
function describeCharacter(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0) return `${hex}, caractère nul`;
  if (code === 0xfffd) return `${hex}, séquence UTF-8 invalide`;
  return `${hex}, caractère de contrôle`;
}

/** The first forbidden character of a record, with the field that holds it. */
export function forbiddenCharacter(champs: readonly string[], record: readonly string[]): { champ: string; caractere: string } | undefined {
  for (let i = 0; i < record.length; i++) {
    const m = FORBIDDEN_CHARACTER.exec(record[i]!);
    if (m) return { champ: champs[i] ?? `colonne ${i + 1}`, caractere: describeCharacter(m[0]) };
  }
  return undefined;
}

export interface ImportOptions {
  organisation: string;
  now?: Date;
  /** Instance maximum retention after import, in days (the programme's default otherwise). */
  maxDays?: number | null;
  programmes?: Programme[];
  /** Rows inserted per statement. */
  batchSize?: number;
  /** Test hook: called after each batch inside the transaction (to simulate a crash half-way). */
  afterBatch?: (inserted: number) => void | Promise<void>;
  /** Write NAME.accuse.json next to the package (default true; the HTTP inbox answers with it instead). */
  writeAcknowledgement?: boolean;
}

export interface ImportReport {
  paquet: string;
  programme: string;
  expediteur: string;
  recus: number;
  /** Newcomers put on the worklist. */
  importes: number;
  /** People already followed in the programme (open follow-up, or ended less than `delaiNouveauCiblageMois` ago): not added again. */
  dejaSuivis: number;
  /** Among them, people whose contact details changed: their contact was updated (event `coordonnees_modifiees`). */
  misAJour: number;
  echeance: string;
  /** Path of NAME.accuse.json ('' when not written). */
  accuse: string;
  /** The signed acknowledgement itself (also kept on the package's row). */
  document: SignedAcknowledgement;
  /** People on the opposition register: imported, marked as opposed at once (never contacted). */
  opposes: number;
}

/** Signing keys trusted for an organisation: its partner registry entry when it is hosted elsewhere, else its local keyring. */
async function trustedSenders(db: Kysely<DB>, organisation: string) {
  const ring = await exchangeRepository.trustedPublicKeyring(db, organisation);
  return ring ? trustedSigningKeys(ring) : undefined;
}

/** The acknowledgement of an imported package: the one kept on its row, or, for a row imported before they were kept, signed again from the row. */
export async function importAcknowledgement(db: Kysely<DB>, id: string, self: string, ownRing?: Keyring): Promise<SignedAcknowledgement | undefined> {
  const row = await exchangeRepository.packageOf(db, id, self);
  if (!row || row.destinataire !== self || (row.statut !== 'importe' && row.statut !== 'detruit')) return undefined;
  if (row.accuse) return row.accuse as SignedAcknowledgement;
  const ring = ownRing ?? await exchangeRepository.keyring(db, self);
  if (!ring) return undefined;
  const document = signAcknowledgement({
    paquet: row.id, expediteur: row.expediteur, destinataire: self, recus: row.nombreEnregistrements, importes: row.nombreImportes ?? 0,
    statut: 'importe', date: row.importeLe ?? row.creeLe,
  }, currentGeneration(ring).signature);
  await exchangeRepository.storeIssuedAcknowledgement(db, row.id, self, document);
  return document;
}

/** Verifies and imports a package; throws ImportRefused (nothing imported) with a French message. */
export async function importPackage(db: Kysely<DB>, manifestPath: string, options: ImportOptions): Promise<ImportReport> {
  const now = options.now ?? new Date();
  const self = options.organisation;
  const ownRing = await exchangeRepository.keyring(db, self);
  if (!ownRing) throw new ImportRefused('organisation_inconnue', `Organisation « ${self} » inconnue ou sans trousseau de clés : import impossible.`);
  const writeAck = options.writeAcknowledgement ?? true;
  const refuse = async (code: ImportRefusalCode, message: string, paquet?: string): Promise<never> => {
    await recordAudit(db, {
      action: 'echange.import_refuse', acteur: { compteId: null, organisation: self },
      cible: paquet ? { type: 'paquet', id: paquet } : null, details: { code },
    });
    const refused = new ImportRefused(code, message, paquet);
    if (paquet && code === 'rejeu') {
      const previous = await importAcknowledgement(db, paquet, self, ownRing);
      if (previous) refused.accuse = previous;
    } else if (paquet && ACKNOWLEDGED_REFUSALS.has(code)) {
      // the signature was verified before any of these checks: the claimed sender is the real one
      let signed;
      try { signed = ManifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8'))); } catch { signed = undefined; }
      if (signed?.success && signed.data.id === paquet && signed.data.destinataire === self) {
        refused.accuse = signAcknowledgement({
          paquet, expediteur: signed.data.expediteur, destinataire: self, recus: 0, importes: 0, statut: 'rejete', motif: code, date: now,
        }, currentGeneration(ownRing).signature);
        if (writeAck) {
          const name = signed.data.payload.fichier.replace(/\.payload\.age$/, '');
          refused.accuseFichier = join(dirname(manifestPath), `${name}.accuse.json`);
          await writeFile(refused.accuseFichier, `${JSON.stringify(refused.accuse, null, 2)}\n`, { mode: 0o644 });
        }
      }
    }
    throw refused;
  };

  const verification = await verifyPackage(manifestPath, {
    self,
    now,
    trustedSenders: (expediteur) => trustedSenders(db, expediteur),
    knownPackageIds: async (id) => (await exchangeRepository.packageOf(db, id, self)) !== undefined,
    conventionActive: async (id, expediteur, destinataire, programme, date) => {
      const stored = await exchangeRepository.convention(db, id);
      if (!stored) return false;
      const c = stored.convention;
      if (c.parties.expediteur !== expediteur || c.parties.destinataire !== destinataire) return false;
      const statut = conventionStatus(c, date);
      return statut.enVigueur && statut.programmes.includes(programme);
    },
  });
  if (!verification.ok) {
    if (verification.code === 'rejeu' && verification.paquet) {
      const previous = await exchangeRepository.packageOf(db, verification.paquet, self);
      const when = previous?.importeLe ? ` le ${previous.importeLe.toISOString().slice(0, 10)}` : '';
      return refuse('rejeu', `Paquet ${verification.paquet} déjà importé${when} (${previous?.nombreImportes ?? 0} contact(s)) : ce second import ne crée rien.`, verification.paquet);
    }
    return refuse(verification.code, `Paquet refusé : ${verification.erreur}`, verification.paquet);
  }
  const { manifest, dir, name } = verification;
  const programmes = options.programmes ?? loadProgrammes();
  const programme = findProgramme(programmes, manifest.programme);
  if (!programme) return refuse('programme_inconnu', `Paquet refusé : programme « ${manifest.programme} » inconnu de cette instance.`, manifest.id);
  const stored = (await exchangeRepository.convention(db, manifest.convention))!;
  const allowed = new Set(['pseudonyme', ...allowedFields(programme, stored.convention, now)]);
  const extra = manifest.champs.filter((f) => !allowed.has(f));
  if (!manifest.champs.includes('pseudonyme') || extra.length > 0) {
    return refuse('champs_non_autorises', `Paquet refusé : il porte des champs que le programme et la convention ${manifest.convention} n'autorisent pas ensemble (${extra.join(', ') || 'pseudonyme absent'}).`, manifest.id);
  }

  const echeance = retentionDeadline({ importedAt: now, processedAt: null, maxDays: options.maxDays ?? null }, programme.conservation);
  const batchSize = options.batchSize ?? 1000;
  let recus = 0;
  let importes = 0;
  let dejaSuivis = 0;
  let misAJour = 0;
  let opposes = 0;
  let ack: SignedAcknowledgement | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      // One package per programme, sender and period, unless it declares the replacement of the one imported last.
      // The lock serialises two imports for the same period (PostgreSQL; the embedded engine has one connection anyway).
      await sql`select pg_advisory_xact_lock(hashtext(${`paquet:${self}:${manifest.programme}:${manifest.expediteur}:${manifest.periode}`}))`.execute(trx);
      const imported = await trx.selectFrom('paquets').select(['id', 'importe_le', 'remplace'])
        .where('detenteur', '=', self).where('destinataire', '=', self).where('programme', '=', manifest.programme)
        .where('expediteur', '=', manifest.expediteur).where('periode', '=', manifest.periode).where('statut', 'in', ['importe', 'detruit'])
        .where('id', '!=', manifest.id)
        .orderBy('importe_le', 'desc').execute();
      // the current package(s) of the period: imported, and replaced by no other (several only for imports made before this rule)
      const replaced = new Set(imported.map((p) => p.remplace).filter((id) => id !== null));
      const current = imported.filter((p) => !replaced.has(p.id));
      if (current.length > 0 && !current.some((p) => p.id === manifest.remplace)) {
        const last = current[0]!;
        const when = last.importe_le ? ` le ${new Date(last.importe_le).toISOString().slice(0, 10)}` : '';
        throw new ImportRefused('periode_deja_importee', `Paquet refusé : un paquet de « ${manifest.expediteur} » pour le programme ${manifest.programme} `
          + `et la période ${manifest.periode} a déjà été importé${when} (paquet ${last.id}). Un second paquet pour la même période n'est accepté `
          + `que s'il déclare le remplacer : l'expéditeur doit le sceller comme remplacement de ${last.id}`
          + `${manifest.remplace ? ` (ce paquet déclare remplacer ${manifest.remplace}, qui n'est pas le dernier importé pour cette période)` : ''}.`, manifest.id);
      }
      await exchangeRepository.insertPackage(trx, {
        id: manifest.id, detenteur: self, programme: manifest.programme, convention: manifest.convention, expediteur: manifest.expediteur,
        destinataire: manifest.destinataire, periode: manifest.periode, nom: name, statut: 'importe',
        nombreEnregistrements: manifest.nombreEnregistrements, creeLe: new Date(manifest.creeLe), importeLe: now,
      });
      if (manifest.remplace) {
        await trx.updateTable('paquets').set({ remplace: manifest.remplace }).where('id', '=', manifest.id).where('detenteur', '=', self).execute();
      }
      const clear = await openPayloadStream(manifest, dir, ownRing);
      const parser = clear.pipe(parse({ delimiter: ';', bom: true, skip_empty_lines: true, relax_column_count: false }));
      clear.on('error', (e) => parser.destroy(e));
      let header = true;
      let batch: EnrolmentPerson[] = [];
      const flush = async () => {
        const enrolled = await enrolContacts(trx, {
          organisation: self, programme, periode: manifest.periode, origine: 'paquet', paquet: manifest.id, people: batch, now, echeance,
          evenementOrigine: 'import', batchSize,
        });
        importes += enrolled.ajoutes.size;
        dejaSuivis += enrolled.dejaSuivis.length;
        misAJour += enrolled.misAJour;
        batch = [];
        await options.afterBatch?.(importes);
      };
      for await (const record of parser as AsyncIterable<string[]>) {
        if (header) {
          header = false;
          if (record.join(';') !== manifest.champs.join(';')) throw new ImportRefused('contenu_invalide', 'Paquet refusé : les colonnes du contenu ne sont pas celles du manifeste.', manifest.id);
          continue;
        }
        recus++;
        const forbidden = forbiddenCharacter(manifest.champs, record);
        if (forbidden) {
          throw new ImportRefused('contenu_invalide', `Paquet refusé : caractère interdit (${forbidden.caractere}) dans le champ « ${forbidden.champ} » de l'enregistrement ${recus}.`, manifest.id);
        }
        const champs: Record<string, string> = {};
        let pseudonyme = '';
        manifest.champs.forEach((f, i) => { if (f === 'pseudonyme') pseudonyme = record[i] ?? ''; else champs[f] = record[i] ?? ''; });
        if (!/^[0-9a-f]{64}$/.test(pseudonyme)) throw new ImportRefused('contenu_invalide', `Paquet refusé : pseudonyme mal formé à l'enregistrement ${recus}.`, manifest.id);
        batch.push({ pseudonyme, champs, appelable: isCallable(programme, champs) });
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      if (recus !== manifest.nombreEnregistrements) {
        throw new ImportRefused('contenu_invalide', `Paquet refusé : ${recus} enregistrement(s) lus au lieu des ${manifest.nombreEnregistrements} annoncés.`, manifest.id);
      }
      // people on the opposition register (an objection in an earlier month, even if that contact was destroyed since): opposed at once
      opposes = (await markRegisteredOppositions(trx, { organisation: self, programme, target: { paquet: manifest.id }, now, maxDays: options.maxDays ?? null })).contactIds.length;
      await trx.updateTable('paquets').set({ nombre_importes: importes }).where('id', '=', manifest.id).where('detenteur', '=', self).execute();
      ack = signAcknowledgement({
        paquet: manifest.id, expediteur: manifest.expediteur, destinataire: self, recus, importes, statut: 'importe', date: now,
      }, currentGeneration(ownRing).signature);
      await exchangeRepository.storeIssuedAcknowledgement(trx, manifest.id, self, ack);
      await recordAudit(trx, {
        action: 'echange.import', acteur: { compteId: null, organisation: self }, cible: { type: 'paquet', id: manifest.id },
        details: {
          programme: manifest.programme, convention: manifest.convention, expediteur: manifest.expediteur, periode: manifest.periode,
          recus, importes, dejaSuivis, misAJour, echeance, opposes, ...(manifest.remplace ? { remplace: manifest.remplace } : {}),
        },
      });
    });
  } catch (error) {
    if (error instanceof ImportRefused) return refuse(error.code, error.message, manifest.id);
    const code = (error as { code?: string }).code;
    if (code === 'cle_absente' || code === 'empreinte_incorrecte' || code === 'dechiffrement_impossible') {
      return refuse(code === 'empreinte_incorrecte' ? 'empreinte_incorrecte' : 'dechiffrement_impossible', `Paquet refusé : ${(error as Error).message}`, manifest.id);
    }
    if (typeof code === 'string' && code.startsWith('CSV_')) return refuse('contenu_invalide', `Paquet refusé : contenu CSV mal formé (${code}).`, manifest.id);
    // Anything else (the database refusing a value, a full disk, a crash hook in tests): the message and details of the
    // original error may quote the person's data, so it never goes further; only its code does.
    const name = (error as Error | undefined)?.name;
    throw new ImportFailed(manifest.id, typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code) ? code
      : typeof name === 'string' && name !== 'Error' && /^[A-Za-z]{1,40}$/.test(name) ? name : undefined);
  }

  if (!ack) throw new Error('accusé de réception non signé');
  const ackPath = writeAck ? join(dir, `${name}.accuse.json`) : '';
  if (writeAck) await writeFile(ackPath, `${JSON.stringify(ack, null, 2)}\n`, { mode: 0o644 });
  return { paquet: manifest.id, programme: manifest.programme, expediteur: manifest.expediteur, recus, importes, dejaSuivis, misAJour, echeance, accuse: ackPath, document: ack, opposes };
}

export class AcknowledgementRefused extends Error {}

/** Sender's side: verifies a signed acknowledgement file and records it on the package (status acquitte or refuse). */
export async function recordAcknowledgementFile(db: Kysely<DB>, path: string): ReturnType<typeof recordAcknowledgement> {
  let document: unknown;
  try { document = JSON.parse(await readFile(path, 'utf8')); } catch {
    throw new AcknowledgementRefused(`Accusé de réception illisible : ${path} n'est pas un fichier JSON.`);
  }
  return recordAcknowledgement(db, document);
}

/** Sender's side: verifies a signed acknowledgement (parsed JSON) and records it, with the document, on the package (status acquitte or refuse). */
export async function recordAcknowledgement(db: Kysely<DB>, document: unknown): Promise<Acknowledgement & {
  /** Older than the acknowledgement already recorded (or a rejection after an import): recorded in the audit trail, changed nothing. */
  perime: boolean;
}> {
  const claimed = (document as { accuse?: { paquet?: unknown; expediteur?: unknown } } | null)?.accuse;
  const id = typeof claimed?.paquet === 'string' ? claimed.paquet : '';
  const expediteur = typeof claimed?.expediteur === 'string' ? claimed.expediteur : '';
  const sent = /^[0-9a-f-]{36}$/i.test(id) ? await exchangeRepository.packageOf(db, id, expediteur) : undefined;
  if (!sent) throw new AcknowledgementRefused(`Accusé de réception refusé : aucun paquet ${id || '(sans identifiant)'} envoyé par « ${expediteur} » n'est connu ici.`);
  const verification = await verifyAcknowledgement(document, {
    trustedRecipients: (destinataire) => trustedSenders(db, destinataire),
    expected: { expediteur: sent.expediteur, paquet: sent.id, destinataire: sent.destinataire },
  });
  if (!verification.ok) throw new AcknowledgementRefused(`Accusé de réception refusé : ${verification.erreur}`);
  const accuse = verification.accuse;
  const applied = await db.transaction().execute(async (trx) => {
    // a stale acknowledgement (older than the one recorded, or a rejection after an import) changes nothing; it is still audited
    const applied = await exchangeRepository.recordAcknowledgement(trx, sent.id, sent.expediteur, accuse.statut === 'importe' ? 'acquitte' : 'refuse', accuse.importes, new Date(accuse.date),
      { document, motif: accuse.motif ?? null });
    await recordAudit(trx, {
      action: 'echange.accuse', acteur: { compteId: null, organisation: sent.expediteur }, cible: { type: 'paquet', id: sent.id },
      details: {
        destinataire: sent.destinataire, statut: accuse.statut, recus: accuse.recus, importes: accuse.importes, ...(accuse.motif ? { motif: accuse.motif } : {}),
        ...(applied ? {} : { ignore: 'accuse_perime' }),
      },
    });
    return applied;
  });
  return { ...accuse, perime: !applied };
}
