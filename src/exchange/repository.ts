/**
 * Exchange persistence: keyrings, conventions, packages, contacts, and the competence lookup used
 * by the monthly cycle. Every SQL statement of the exchange context lives here.
 */
import { sql, type Kysely } from 'kysely';
import { parseConvention, type Convention } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import type { CompetenceLookup } from '../programmes/index.ts';
import { KeyringSchema, publicKeyring, PublicKeyringSchema, type Keyring, type PublicKeyring } from './keys.ts';
import { activeMasterKeys, isProtected, protectedKeyId, protectSecret, readSecret, type MasterKeys } from './protection.ts';

export type PackageStatus = DB['paquets']['statut'];

export interface StoredConvention { convention: Convention; cle: Buffer }

/** A partner organisation hosted by another instance (migration 0006). */
export interface Partner { organisation: string; url: string | null; keyring: PublicKeyring; creeLe: Date; modifieLe: Date }

/** One line of an organisation's package list: its life, seen by the sender or by the recipient. */
export interface PackageLifecycle {
  id: string;
  nom: string;
  /** `envoi`: this organisation sent it; `reception`: it received it. */
  sens: 'envoi' | 'reception';
  programme: string;
  convention: string;
  expediteur: string;
  destinataire: string;
  periode: string;
  statut: PackageStatus;
  /** Refusal code, when the recipient refused it. */
  motif: string | null;
  nombreEnregistrements: number;
  nombreImportes: number | null;
  creeLe: Date;
  envoyeLe: Date | null;
  accuseLe: Date | null;
  importeLe: Date | null;
  detruitLe: Date | null;
}

const keyringContext = (organisation: string) => `trousseau:${organisation}`;
const conventionContext = (id: string) => `convention:${id}`;
const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export interface PackageRecord {
  id: string;
  detenteur: string;
  programme: string;
  convention: string;
  expediteur: string;
  destinataire: string;
  periode: string;
  nom: string;
  statut: PackageStatus;
  nombreEnregistrements: number;
  nombreImportes: number | null;
  creeLe: Date;
}

const asJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

function readConvention(row: { id: string; definition: unknown; cle_pseudonyme: string }): StoredConvention {
  const parsed = parseConvention(asJson(row.definition), `convention ${row.id}`);
  if (!parsed.ok) throw new Error(`Convention ${row.id} invalide en base : ${parsed.erreurs.join(' ; ')}`);
  return { convention: parsed.convention, cle: Buffer.from(readSecret(row.cle_pseudonyme, conventionContext(row.id)), 'hex') };
}

function readKeyring(organisation: string, stored: string): Keyring {
  return KeyringSchema.parse(JSON.parse(readSecret(stored, keyringContext(organisation))));
}

function protectKeyring(keyring: Keyring): string {
  return protectSecret(JSON.stringify(KeyringSchema.parse(keyring)), keyringContext(keyring.organisation));
}

function readPartner(r: { organisation_code: string; url_boite: string | null; trousseau_public: unknown; cree_le: Date; modifie_le: Date }): Partner {
  return { organisation: r.organisation_code, url: r.url_boite, keyring: PublicKeyringSchema.parse(asJson(r.trousseau_public)), creeLe: new Date(r.cree_le), modifieLe: new Date(r.modifie_le) };
}

export const exchangeRepository = {
  async keyring(db: Kysely<DB>, organisation: string): Promise<Keyring | undefined> {
    const row = await db.selectFrom('trousseaux').select('trousseau').where('organisation_code', '=', organisation).executeTakeFirst();
    return row ? readKeyring(organisation, row.trousseau) : undefined;
  },

  /**
   * The public keyring this instance trusts for an organisation: the partner registry's entry when
   * the organisation is hosted elsewhere, else the public half of its local keyring.
   */
  async trustedPublicKeyring(db: Kysely<DB>, organisation: string): Promise<PublicKeyring | undefined> {
    const partner = await exchangeRepository.partner(db, organisation);
    if (partner) return partner.keyring;
    const ring = await exchangeRepository.keyring(db, organisation);
    return ring ? publicKeyring(ring) : undefined;
  },

  /** Whether this instance hosts the organisation: it holds its secret keyring and does not list it as a remote partner. */
  async hostsOrganisation(db: Kysely<DB>, organisation: string): Promise<boolean> {
    const row = await db.selectFrom('trousseaux as t').leftJoin('partenaires as p', 'p.organisation_code', 't.organisation_code')
      .select('p.organisation_code as partenaire').where('t.organisation_code', '=', organisation).executeTakeFirst();
    return row !== undefined && row.partenaire === null;
  },

  async partner(db: Kysely<DB>, organisation: string): Promise<Partner | undefined> {
    const r = await db.selectFrom('partenaires').selectAll().where('organisation_code', '=', organisation).executeTakeFirst();
    return r ? readPartner(r) : undefined;
  },

  async partners(db: Kysely<DB>): Promise<Partner[]> {
    return (await db.selectFrom('partenaires').selectAll().orderBy('organisation_code').execute()).map(readPartner);
  },

  /** Adds or replaces a partner (a rotation replaces the keyring: the partner publishes every generation it keeps). */
  async savePartner(db: Kysely<DB>, partner: { organisation: string; url: string | null; keyring: PublicKeyring }): Promise<void> {
    const keyring = JSON.stringify(PublicKeyringSchema.parse(partner.keyring));
    await db.insertInto('partenaires').values({ organisation_code: partner.organisation, url_boite: partner.url, trousseau_public: keyring })
      .onConflict((oc) => oc.column('organisation_code').doUpdateSet({ url_boite: partner.url, trousseau_public: keyring, modifie_le: sql`now()` })).execute();
  },

  async removePartner(db: Kysely<DB>, organisation: string): Promise<boolean> {
    const r = await db.deleteFrom('partenaires').where('organisation_code', '=', organisation).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },

  /**
   * Encrypts with the current master key every secret still in clear or under a previous master
   * key (first start after migration 0006, master key rotation). One transaction; returns counts.
   */
  async protectStoredSecrets(db: Kysely<DB>, keys: MasterKeys = activeMasterKeys()): Promise<{ trousseaux: number; conventions: number }> {
    return db.transaction().execute(async (trx) => {
      let trousseaux = 0;
      let conventions = 0;
      for (const r of await trx.selectFrom('trousseaux').select(['organisation_code', 'trousseau']).forUpdate().execute()) {
        if (isProtected(r.trousseau) && protectedKeyId(r.trousseau) === keys.current.id) continue;
        const clear = readSecret(r.trousseau, keyringContext(r.organisation_code), keys);
        const value = protectSecret(JSON.stringify(KeyringSchema.parse(JSON.parse(clear))), keyringContext(r.organisation_code), keys);
        await trx.updateTable('trousseaux').set({ trousseau: value, modifie_le: sql`now()` }).where('organisation_code', '=', r.organisation_code).execute();
        trousseaux++;
      }
      for (const r of await trx.selectFrom('conventions').select(['id', 'cle_pseudonyme']).forUpdate().execute()) {
        if (isProtected(r.cle_pseudonyme) && protectedKeyId(r.cle_pseudonyme) === keys.current.id) continue;
        const clear = readSecret(r.cle_pseudonyme, conventionContext(r.id), keys);
        await trx.updateTable('conventions').set({ cle_pseudonyme: protectSecret(clear, conventionContext(r.id), keys), modifie_le: sql`now()` }).where('id', '=', r.id).execute();
        conventions++;
      }
      return { trousseaux, conventions };
    });
  },

  /** The organisations that have a keyring (the organisations themselves are read through the territories front door). */
  async keyringOwners(db: Kysely<DB>): Promise<Set<string>> {
    return new Set((await db.selectFrom('trousseaux').select('organisation_code').execute()).map((r) => r.organisation_code));
  },

  async saveKeyring(db: Kysely<DB>, keyring: Keyring): Promise<void> {
    const value = protectKeyring(keyring);
    await db.insertInto('trousseaux').values({ organisation_code: keyring.organisation, trousseau: value })
      .onConflict((oc) => oc.column('organisation_code').doUpdateSet({ trousseau: value, modifie_le: sql`now()` })).execute();
  },

  /** Inserts a keyring unless the organisation already has one; true when inserted. */
  async insertKeyringIfMissing(db: Kysely<DB>, keyring: Keyring): Promise<boolean> {
    const result = await db.insertInto('trousseaux').values({ organisation_code: keyring.organisation, trousseau: protectKeyring(keyring) })
      .onConflict((oc) => oc.column('organisation_code').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  },

  async conventions(db: Kysely<DB>, filter: { expediteur?: string } = {}): Promise<StoredConvention[]> {
    let query = db.selectFrom('conventions').select(['id', 'definition', 'cle_pseudonyme']).orderBy('id');
    if (filter.expediteur) query = query.where('expediteur', '=', filter.expediteur);
    return (await query.execute()).map(readConvention);
  },

  async convention(db: Kysely<DB>, id: string): Promise<StoredConvention | undefined> {
    const row = await db.selectFrom('conventions').select(['id', 'definition', 'cle_pseudonyme']).where('id', '=', id).executeTakeFirst();
    return row ? readConvention(row) : undefined;
  },

  /** Inserts a convention (validated) unless its id exists; true when inserted. */
  async insertConventionIfMissing(db: Kysely<DB>, definition: unknown, cle: Buffer): Promise<boolean> {
    const parsed = parseConvention(definition);
    if (!parsed.ok) throw new Error(parsed.erreurs.join(' ; '));
    const c = parsed.convention;
    const result = await db.insertInto('conventions').values({
      id: c.id, expediteur: c.parties.expediteur, destinataire: c.parties.destinataire,
      definition: JSON.stringify(c), cle_pseudonyme: protectSecret(cle.toString('hex'), conventionContext(c.id)),
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  },

  async updateConventionDefinition(db: Kysely<DB>, convention: Convention): Promise<void> {
    await db.updateTable('conventions').set({ definition: JSON.stringify(convention), modifie_le: sql`now()` }).where('id', '=', convention.id).execute();
  },

  async insertPackage(db: Kysely<DB>, p: Omit<PackageRecord, 'nombreImportes'> & { nombreImportes?: number | null; importeLe?: Date }): Promise<void> {
    await db.insertInto('paquets').values({
      id: p.id, detenteur: p.detenteur, programme: p.programme, convention: p.convention, expediteur: p.expediteur,
      destinataire: p.destinataire, periode: p.periode, nom: p.nom, statut: p.statut,
      nombre_enregistrements: p.nombreEnregistrements, nombre_importes: p.nombreImportes ?? null, cree_le: p.creeLe,
      importe_le: p.importeLe ?? null,
    }).execute();
  },

  /**
   * Sender's side: the package already sealed for this programme, recipient and period and not
   * refused (a rerun of the cycle reuses it instead of sealing a second one), if any.
   */
  async sealedFor(db: Kysely<DB>, k: { expediteur: string; destinataire: string; programme: string; periode: string }): Promise<{
    id: string; nom: string; convention: string; nombreEnregistrements: number; creeLe: Date; statut: PackageStatus;
  } | undefined> {
    const r = await db.selectFrom('paquets').select(['id', 'nom', 'convention', 'nombre_enregistrements', 'cree_le', 'statut'])
      .where('detenteur', '=', k.expediteur).where('expediteur', '=', k.expediteur).where('destinataire', '=', k.destinataire)
      .where('programme', '=', k.programme).where('periode', '=', k.periode).where('statut', 'in', ['scelle', 'envoye', 'acquitte'])
      .orderBy('cree_le', 'desc').executeTakeFirst();
    return r && { id: r.id, nom: r.nom, convention: r.convention, nombreEnregistrements: r.nombre_enregistrements, creeLe: new Date(r.cree_le), statut: r.statut };
  },

  /** Whether a cycle of this sender, programme and period ran to its end (its closing record `echange.cycle` is in the audit trail). */
  async cycleCompleted(db: Kysely<DB>, k: { expediteur: string; programme: string; periode: string }): Promise<boolean> {
    const r = await db.selectFrom('journal_audit').select('id').where('action', '=', 'echange.cycle').where('acteur_organisation', '=', k.expediteur)
      .where('cible_id', '=', k.programme).where(sql`details->>'periode'`, '=', k.periode).limit(1).executeTakeFirst();
    return r !== undefined;
  },

  /** Whether a package row of that name exists (its files are then not leftovers). */
  async packageNamed(db: Kysely<DB>, nom: string): Promise<boolean> {
    return (await db.selectFrom('paquets').select('id').where('nom', '=', nom).executeTakeFirst()) !== undefined;
  },

  /** The packages a sender sealed for a programme and month; `pending` keeps those not yet acknowledged (sealed or sent), by recipient. */
  async cyclePackages(db: Kysely<DB>, k: { expediteur: string; programme: string; periode: string }, pending = false) {
    let q = db.selectFrom('paquets').select(['id', 'nom', 'destinataire', 'statut'])
      .where('detenteur', '=', k.expediteur).where('expediteur', '=', k.expediteur)
      .where('programme', '=', k.programme).where('periode', '=', k.periode);
    if (pending) q = q.where('statut', 'in', ['scelle', 'envoye']).orderBy('destinataire');
    return q.execute();
  },

  /** The names of an organisation's packages that start with a stem (to choose a free name). */
  async packageNamesLike(db: Kysely<DB>, detenteur: string, stem: string): Promise<Set<string>> {
    const rows = await db.selectFrom('paquets').select('nom').where('detenteur', '=', detenteur).where('nom', 'like', `${stem.replace(/[\\%_]/g, (c) => `\\${c}`)}%`).execute();
    return new Set(rows.map((r) => r.nom));
  },

  async packageOf(db: Kysely<DB>, id: string, detenteur: string): Promise<(PackageRecord & {
    importeLe: Date | null; envoyeLe: Date | null; accuseLe: Date | null; motif: string | null; accuse: unknown;
  }) | undefined> {
    const r = await db.selectFrom('paquets').selectAll().where('id', '=', id).where('detenteur', '=', detenteur).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id, detenteur: r.detenteur, programme: r.programme, convention: r.convention, expediteur: r.expediteur,
      destinataire: r.destinataire, periode: r.periode, nom: r.nom, statut: r.statut,
      nombreEnregistrements: r.nombre_enregistrements, nombreImportes: r.nombre_importes, creeLe: new Date(r.cree_le),
      importeLe: date(r.importe_le), envoyeLe: date(r.envoye_le), accuseLe: date(r.accuse_le), motif: r.motif,
      accuse: r.accuse === null ? null : asJson(r.accuse),
    };
  },

  /** An organisation's packages, newest first, with their life (sealed, sent, acknowledged or refused, imported, destroyed). */
  async listPackages(db: Kysely<DB>, organisation: string, page: { limit?: number; offset?: number } = {}): Promise<{ total: number; paquets: PackageLifecycle[] }> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 500));
    const offset = Math.max(0, page.offset ?? 0);
    const total = Number((await db.selectFrom('paquets').select(sql<string>`count(*)`.as('n')).where('detenteur', '=', organisation).executeTakeFirstOrThrow()).n);
    const rows = await db.selectFrom('paquets').selectAll().where('detenteur', '=', organisation)
      .orderBy('cree_le', 'desc').orderBy('id').limit(limit).offset(offset).execute();
    return {
      total,
      paquets: rows.map((r) => ({
        id: r.id, nom: r.nom, sens: r.expediteur === organisation ? 'envoi' : 'reception', programme: r.programme, convention: r.convention,
        expediteur: r.expediteur, destinataire: r.destinataire, periode: r.periode, statut: r.statut, motif: r.motif,
        nombreEnregistrements: r.nombre_enregistrements, nombreImportes: r.nombre_importes, creeLe: new Date(r.cree_le),
        envoyeLe: date(r.envoye_le), accuseLe: date(r.accuse_le), importeLe: date(r.importe_le), detruitLe: date(r.detruit_le),
      })),
    };
  },

  /** Sender's side: the recipient's inbox took the package (status envoye). */
  async markSent(db: Kysely<DB>, id: string, expediteur: string, date: Date): Promise<void> {
    await db.updateTable('paquets').set({ statut: 'envoye', envoye_le: date })
      .where('id', '=', id).where('detenteur', '=', expediteur).where('statut', 'in', ['scelle', 'envoye', 'refuse', 'acquitte']).execute();
  },

  /** Recipient's side: keeps the signed acknowledgement of an imported package (answered again, identical, to a re-sent package). */
  async storeIssuedAcknowledgement(db: Kysely<DB>, id: string, destinataire: string, document: unknown): Promise<void> {
    await db.updateTable('paquets').set({ accuse: JSON.stringify(document) }).where('id', '=', id).where('detenteur', '=', destinataire).execute();
  },

  /** Packages this organisation received before `before` and has not destroyed yet. */
  async countReceivedPackagesNotDestroyed(db: Kysely<DB>, organisation: string, before: Date): Promise<number> {
    const row = await db.selectFrom('paquets').select(sql<string>`count(*)`.as('n'))
      .where('detenteur', '=', organisation).where('destinataire', '=', organisation)
      .where('statut', '!=', 'detruit').where('cree_le', '<', before).executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async packages(db: Kysely<DB>, detenteur: string) {
    return db.selectFrom('paquets').selectAll().where('detenteur', '=', detenteur).orderBy('cree_le').execute();
  },

  /**
   * Records an acknowledgement unless a later one is already recorded (acknowledgements are
   * ordered by their signed date) or it is a rejection of a package already acknowledged as
   * imported (an imported package is never « refusé » afterwards: a later rejection can only be a
   * replay). Returns false when it was ignored as stale.
   */
  async recordAcknowledgement(db: Kysely<DB>, id: string, expediteur: string, statut: 'acquitte' | 'refuse', importes: number, date: Date,
    received: { document?: unknown; motif?: string | null } = {}): Promise<boolean> {
    let q = db.updateTable('paquets').set({
      statut, nombre_importes: importes, accuse_le: date, motif: received.motif ?? null,
      ...(received.document === undefined ? {} : { accuse: JSON.stringify(received.document) }),
    }).where('id', '=', id).where('detenteur', '=', expediteur).where('statut', '!=', 'detruit')
      .where((eb) => eb.or([eb('accuse_le', 'is', null), eb('accuse_le', '<', date)]));
    if (statut === 'refuse') q = q.where('statut', '!=', 'acquitte');
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  /** Contacts still holding personal data (destroyed ones stay as anonymous rows for the funnels). */
  async countContacts(db: Kysely<DB>, filter: { organisation?: string; paquet?: string } = {}): Promise<number> {
    let q = db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).where('detruit_le', 'is', null);
    if (filter.organisation) q = q.where('organisation_code', '=', filter.organisation);
    if (filter.paquet) q = q.where('paquet_id', '=', filter.paquet);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },

  /** Competence of one branch, loaded once in memory for the cycle (≈ 35 000 communes). */
  /** Commune INSEE code → its postal codes (the reader's postal-code check). */
  async postalCodesByCommune(db: Kysely<DB>): Promise<Map<string, string[]>> {
    const byCommune = new Map<string, string[]>();
    for (const r of await db.selectFrom('communes_codes_postaux').select(['code_postal', 'commune_code']).execute()) {
      const list = byCommune.get(r.commune_code);
      if (list) list.push(r.code_postal); else byCommune.set(r.commune_code, [r.code_postal]);
    }
    return byCommune;
  },

  async competenceLookup(db: Kysely<DB>, branche: string): Promise<CompetenceLookup> {
    const byCommune = new Map<string, string>();
    for (const r of await db.selectFrom('competences').select(['commune_code', 'organisation_code']).where('branche', '=', branche).execute()) {
      byCommune.set(r.commune_code, r.organisation_code);
    }
    const byPostal = new Map<string, string[]>();
    for (const r of await db.selectFrom('communes_codes_postaux').select(['code_postal', 'commune_code']).execute()) {
      const org = byCommune.get(r.commune_code);
      if (!org) continue;
      const list = byPostal.get(r.code_postal) ?? [];
      if (!list.includes(org)) list.push(org);
      byPostal.set(r.code_postal, list);
    }
    return {
      parCommune: (code, b) => (b === branche ? byCommune.get(code) ?? null : null),
      parCodePostal: (cp, b) => (b === branche ? byPostal.get(cp) ?? [] : []),
    };
  },

  /** The Caf competent for each département (the Caf of `departement_caf`); organisation names come from the territories front door. */
  async cafByDepartement(db: Kysely<DB>): Promise<Map<string, string>> {
    const rows = await db.selectFrom('competences as k').innerJoin('communes as c', 'c.code', 'k.commune_code')
      .select(['c.departement_code', 'k.organisation_code']).where('k.branche', '=', 'caf').distinct().execute();
    const cafParDepartement = new Map<string, string>();
    for (const r of rows) if (!cafParDepartement.has(r.departement_code)) cafParDepartement.set(r.departement_code, r.organisation_code);
    return cafParDepartement;
  },
};
