/**
 * Exchange persistence: keyrings, conventions, packages, contacts, and the competence lookup used
 * by the monthly cycle. Every SQL statement of the exchange context lives here.
 */
import { sql, type Kysely } from 'kysely';
import { parseConvention, type Convention } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import type { CompetenceLookup } from '../programmes/index.ts';
import { KeyringSchema, type Keyring } from './keys.ts';

export type PackageStatus = DB['paquets']['statut'];

export interface StoredConvention { convention: Convention; cle: Buffer }

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
  return { convention: parsed.convention, cle: Buffer.from(row.cle_pseudonyme, 'hex') };
}

export const exchangeRepository = {
  async keyring(db: Kysely<DB>, organisation: string): Promise<Keyring | undefined> {
    const row = await db.selectFrom('trousseaux').select('trousseau').where('organisation_code', '=', organisation).executeTakeFirst();
    return row ? KeyringSchema.parse(asJson(row.trousseau)) : undefined;
  },

  async organisationsWithoutKeyring(db: Kysely<DB>): Promise<string[]> {
    const rows = await db.selectFrom('organisations as o')
      .leftJoin('trousseaux as t', 't.organisation_code', 'o.code')
      .select('o.code').where('t.organisation_code', 'is', null).orderBy('o.code').execute();
    return rows.map((r) => r.code);
  },

  async saveKeyring(db: Kysely<DB>, keyring: Keyring): Promise<void> {
    const value = JSON.stringify(KeyringSchema.parse(keyring));
    await db.insertInto('trousseaux').values({ organisation_code: keyring.organisation, trousseau: value })
      .onConflict((oc) => oc.column('organisation_code').doUpdateSet({ trousseau: value, modifie_le: sql`now()` })).execute();
  },

  /** Inserts a keyring unless the organisation already has one; true when inserted. */
  async insertKeyringIfMissing(db: Kysely<DB>, keyring: Keyring): Promise<boolean> {
    const result = await db.insertInto('trousseaux').values({ organisation_code: keyring.organisation, trousseau: JSON.stringify(KeyringSchema.parse(keyring)) })
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
      definition: JSON.stringify(c), cle_pseudonyme: cle.toString('hex'),
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

  async packageOf(db: Kysely<DB>, id: string, detenteur: string): Promise<(PackageRecord & { importeLe: Date | null }) | undefined> {
    const r = await db.selectFrom('paquets').selectAll().where('id', '=', id).where('detenteur', '=', detenteur).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id, detenteur: r.detenteur, programme: r.programme, convention: r.convention, expediteur: r.expediteur,
      destinataire: r.destinataire, periode: r.periode, nom: r.nom, statut: r.statut,
      nombreEnregistrements: r.nombre_enregistrements, nombreImportes: r.nombre_importes, creeLe: new Date(r.cree_le),
      importeLe: r.importe_le ? new Date(r.importe_le) : null,
    };
  },

  async packages(db: Kysely<DB>, detenteur: string) {
    return db.selectFrom('paquets').selectAll().where('detenteur', '=', detenteur).orderBy('cree_le').execute();
  },

  async recordAcknowledgement(db: Kysely<DB>, id: string, expediteur: string, statut: 'acquitte' | 'refuse', importes: number, date: Date): Promise<void> {
    await db.updateTable('paquets').set({ statut, nombre_importes: importes, accuse_le: date })
      .where('id', '=', id).where('detenteur', '=', expediteur).execute();
  },

  async insertContacts(db: Kysely<DB>, rows: { organisation: string; programme: string; paquet: string; periode: string; pseudonyme: string; champs: Record<string, string>; importeLe: Date; echeance: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await db.insertInto('contacts').values(rows.map((r) => ({
      organisation_code: r.organisation, programme: r.programme, paquet_id: r.paquet, periode: r.periode, pseudonyme: r.pseudonyme,
      champs: JSON.stringify(r.champs), importe_le: r.importeLe, echeance: r.echeance,
    }))).onConflict((oc) => oc.columns(['organisation_code', 'paquet_id', 'pseudonyme']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  },

  /** Contacts still holding personal data (destroyed ones stay as anonymous rows for the funnels). */
  async countContacts(db: Kysely<DB>, filter: { organisation?: string; paquet?: string } = {}): Promise<number> {
    let q = db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).where('detruit_le', 'is', null);
    if (filter.organisation) q = q.where('organisation_code', '=', filter.organisation);
    if (filter.paquet) q = q.where('paquet_id', '=', filter.paquet);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },

  /** Competence of one branch, loaded once in memory for the cycle (≈ 35 000 communes). */
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

  /** Organisation names by code (for French messages), and the Caf competent for each département (the Caf of `departement_caf`). */
  async organisationNames(db: Kysely<DB>): Promise<{ noms: Record<string, string>; cafParDepartement: Map<string, string> }> {
    const noms: Record<string, string> = {};
    for (const r of await db.selectFrom('organisations').select(['code', 'nom']).execute()) noms[r.code] = r.nom;
    const rows = await db.selectFrom('competences as k').innerJoin('communes as c', 'c.code', 'k.commune_code')
      .select(['c.departement_code', 'k.organisation_code']).where('k.branche', '=', 'caf').distinct().execute();
    const cafParDepartement = new Map<string, string>();
    for (const r of rows) if (!cafParDepartement.has(r.departement_code)) cafParDepartement.set(r.departement_code, r.organisation_code);
    return { noms, cafParDepartement };
  },
};
