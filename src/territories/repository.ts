import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/index.ts';
import type { Branche, Competence, ReferenceData } from './reference.ts';

const BATCH = 5000;

/** An organisation with its département and région (indicators' scopes). */
export interface OrganisationInfo {
  code: string;
  nom: string;
  type: string;
  rattachement: string | null;
  departement: { code: string; nom: string } | null;
  region: { code: string; nom: string } | null;
}

/** A health establishment that signals people (organisation of type `etablissement` with its FINESS number). */
export interface EstablishmentRow { code: string; nom: string; finess: string; commune: string | null }
type Column = { type: 'text' | 'integer'; values: unknown[] };

/** Bulk insert through unnest(): one statement per batch, same SQL on PGlite and PostgreSQL. */
async function insertColumns(db: Kysely<DB>, table: string, columns: Record<string, Column>, onConflict: RawBuilder<unknown> = sql``) {
  const names = Object.keys(columns);
  const length = columns[names[0]!]!.values.length;
  for (let start = 0; start < length; start += BATCH) {
    const arrays = names.map((n) => sql`${columns[n]!.values.slice(start, start + BATCH)}::${sql.raw(columns[n]!.type)}[]`);
    await sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))})
      SELECT * FROM unnest(${sql.join(arrays)}) ${onConflict}`.execute(db);
  }
}

const text = (values: unknown[]): Column => ({ type: 'text', values });

export interface CommuneCompetente {
  code: string;
  nom: string;
  departement: { code: string; nom: string };
  caf: { code: string; nom: string } | null;
  cpam: { code: string; nom: string } | null;
  carsat: { code: string; nom: string } | null;
}

export const territoriesRepository = {
  async referenceVersion(db: Kysely<DB>): Promise<string | null> {
    const row = await db.selectFrom('meta').select('valeur').where('cle', '=', 'territoires_version').executeTakeFirst();
    return row?.valeur ?? null;
  },

  /** Loads (or reloads) the reference data in one transaction. Organisations are upserted, never deleted
   * (accounts point to them); commune-level corrections imported by an administrator are kept. */
  async replaceReferenceData(db: Kysely<DB>, data: ReferenceData): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const corrections = await trx.selectFrom('competences').select(['commune_code', 'branche', 'organisation_code'])
        .where('source', '=', 'import').execute();
      await trx.deleteFrom('competences').execute();
      await trx.deleteFrom('communes_codes_postaux').execute();
      await trx.deleteFrom('communes').execute();
      await insertColumns(trx, 'regions', { code: text(data.regions.map((r) => r.code)), nom: text(data.regions.map((r) => r.nom)) },
        sql`ON CONFLICT (code) DO UPDATE SET nom = excluded.nom`);
      const deps = data.departements;
      await insertColumns(trx, 'departements', {
        code: text(deps.map((d) => d.code)), nom: text(deps.map((d) => d.nom)),
        region_code: text(deps.map((d) => d.region)), type_liaison: { type: 'integer', values: deps.map((d) => d.typeLiaison) },
      }, sql`ON CONFLICT (code) DO UPDATE SET nom = excluded.nom, region_code = excluded.region_code, type_liaison = excluded.type_liaison`);
      const orgs = [...data.organisations].sort((a, b) => Number(a.rattachement !== null) - Number(b.rattachement !== null));
      await insertColumns(trx, 'organisations', {
        code: text(orgs.map((o) => o.code)), type: text(orgs.map((o) => o.type)), nom: text(orgs.map((o) => o.nom)),
        departement_code: text(orgs.map((o) => o.departement)), rattachement: text(orgs.map((o) => o.rattachement)),
        finess: text(orgs.map((o) => o.finess ?? null)), commune_code: text(orgs.map((o) => o.commune ?? null)),
      }, sql`ON CONFLICT (code) DO UPDATE SET type = excluded.type, nom = excluded.nom,
        departement_code = excluded.departement_code, rattachement = excluded.rattachement,
        finess = excluded.finess, commune_code = excluded.commune_code`);
      const communes = data.communes;
      await insertColumns(trx, 'communes', {
        code: text(communes.map((c) => c.code)), nom: text(communes.map((c) => c.nom)),
        departement_code: text(communes.map((c) => c.departement)), region_code: text(communes.map((c) => c.region)),
        arrondissement: text(communes.map((c) => c.arrondissement)),
        population: { type: 'integer', values: communes.map((c) => c.population) },
      });
      const pairs = communes.flatMap((c) => [...new Set(c.codesPostaux)].map((cp) => [cp, c.code] as const));
      await insertColumns(trx, 'communes_codes_postaux', { code_postal: text(pairs.map((p) => p[0])), commune_code: text(pairs.map((p) => p[1])) });
      await insertCompetences(trx, data.competences, 'reference');
      const known = new Set(communes.map((c) => c.code));
      await insertCompetences(trx, corrections.filter((c) => known.has(c.commune_code))
        .map((c) => ({ commune: c.commune_code, branche: c.branche as Branche, organisation: c.organisation_code })), 'import');
      await trx.insertInto('meta').values({ cle: 'territoires_version', valeur: data.version })
        .onConflict((oc) => oc.column('cle').doUpdateSet({ valeur: data.version })).execute();
    });
  },

  async applyCorrections(db: Kysely<DB>, corrections: Competence[]): Promise<void> {
    await db.transaction().execute((trx) => insertCompetences(trx, corrections, 'import'));
  },

  async byPostalCode(db: Kysely<DB>, codePostal: string): Promise<CommuneCompetente[]> {
    const rows = await db.selectFrom('communes_codes_postaux as cp')
      .innerJoin('communes as c', 'c.code', 'cp.commune_code')
      .innerJoin('departements as d', 'd.code', 'c.departement_code')
      .leftJoin('competences as k', 'k.commune_code', 'c.code')
      .leftJoin('organisations as o', 'o.code', 'k.organisation_code')
      .select(['c.code', 'c.nom', 'd.code as dep_code', 'd.nom as dep_nom', 'k.branche', 'o.code as org_code', 'o.nom as org_nom'])
      .where('cp.code_postal', '=', codePostal)
      .orderBy('c.nom').orderBy('c.code')
      .execute();
    const communes = new Map<string, CommuneCompetente>();
    for (const r of rows) {
      let c = communes.get(r.code);
      if (!c) {
        c = { code: r.code, nom: r.nom, departement: { code: r.dep_code, nom: r.dep_nom }, caf: null, cpam: null, carsat: null };
        communes.set(r.code, c);
      }
      if (r.branche && r.org_code && r.org_nom) c[r.branche as Branche] = { code: r.org_code, nom: r.org_nom };
    }
    return [...communes.values()];
  },

  async organisations(db: Kysely<DB>) {
    return db.selectFrom('organisations').select(['code', 'nom', 'type', 'departement_code', 'rattachement']).orderBy('code').execute();
  },

  async organisation(db: Kysely<DB>, code: string) {
    return db.selectFrom('organisations').select(['code', 'nom', 'type', 'departement_code', 'rattachement'])
      .where('code', '=', code).executeTakeFirst();
  },

  /** Recipients competent somewhere the sender is: organisations of branch `to` sharing a commune with `sender`'s competence in branch `from`. */
  async competentRecipients(db: Kysely<DB>, sender: string, from: string, to: string): Promise<{ code: string; nom: string }[]> {
    return db.selectFrom('competences as s').innerJoin('competences as d', 'd.commune_code', 's.commune_code')
      .innerJoin('organisations as o', 'o.code', 'd.organisation_code')
      .select(['o.code', 'o.nom']).distinct()
      .where('s.organisation_code', '=', sender).where('s.branche', '=', from)
      .where('d.branche', '=', to).orderBy('o.code').execute();
  },

  /** Every organisation with its département and région (about 400 rows; callers cache them). */
  async organisationsWithPlaces(db: Kysely<DB>): Promise<OrganisationInfo[]> {
    const rows = await db.selectFrom('organisations as o')
      .leftJoin('departements as d', 'd.code', 'o.departement_code')
      .leftJoin('regions as r', 'r.code', 'd.region_code')
      .select(['o.code', 'o.nom', 'o.type', 'o.rattachement', 'd.code as dcode', 'd.nom as dnom', 'r.code as rcode', 'r.nom as rnom'])
      .orderBy('o.code')
      .execute();
    return rows.map((r) => ({
      code: r.code, nom: r.nom, type: r.type, rattachement: r.rattachement,
      departement: r.dcode ? { code: r.dcode, nom: r.dnom! } : null,
      region: r.rcode ? { code: r.rcode, nom: r.rnom! } : null,
    }));
  },

  /** The organisations of one type in one département (the CPAM of the Var). */
  async organisationsOfType(db: Kysely<DB>, type: string, departement: string): Promise<{ code: string }[]> {
    return db.selectFrom('organisations').select(['code']).where('type', '=', type).where('departement_code', '=', departement).execute();
  },

  /** Names by code: of these organisations, or of every one when `codes` is not given. */
  async names(db: Kysely<DB>, codes?: readonly string[]): Promise<Map<string, string>> {
    if (codes && codes.length === 0) return new Map();
    let query = db.selectFrom('organisations').select(['code', 'nom']);
    if (codes) query = query.where('code', 'in', [...codes]);
    return new Map((await query.execute()).map((r) => [r.code, r.nom]));
  },

  async establishment(db: Kysely<DB>, code: string): Promise<EstablishmentRow | undefined> {
    const r = await db.selectFrom('organisations').select(['code', 'nom', 'finess', 'commune_code'])
      .where('code', '=', code).where('type', '=', 'etablissement').executeTakeFirst();
    return r && r.finess ? { code: r.code, nom: r.nom, finess: r.finess, commune: r.commune_code } : undefined;
  },

  async establishmentsByFiness(db: Kysely<DB>): Promise<Map<string, EstablishmentRow>> {
    const rows = await db.selectFrom('organisations').select(['code', 'nom', 'finess', 'commune_code'])
      .where('type', '=', 'etablissement').where('finess', 'is not', null).execute();
    return new Map(rows.map((r) => [r.finess!, { code: r.code, nom: r.nom, finess: r.finess!, commune: r.commune_code }]));
  },

  /** Codes of the organisations attached to `code` (rattachement), e.g. the CES attached to a CPAM. */
  async attachedTo(db: Kysely<DB>, code: string): Promise<string[]> {
    return (await db.selectFrom('organisations').select('code').where('rattachement', '=', code).orderBy('code').execute()).map((o) => o.code);
  },

  async existingCommunes(db: Kysely<DB>, codes: string[]): Promise<Set<string>> {
    if (codes.length === 0) return new Set();
    const rows = await db.selectFrom('communes').select('code').where('code', 'in', codes).execute();
    return new Set(rows.map((r) => r.code));
  },

  async counts(db: Kysely<DB>) {
    const count = async (table: 'communes' | 'communes_codes_postaux' | 'organisations' | 'competences' | 'departements' | 'regions') =>
      Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    return {
      regions: await count('regions'), departements: await count('departements'), communes: await count('communes'),
      codesPostaux: await count('communes_codes_postaux'), organisations: await count('organisations'), competences: await count('competences'),
    };
  },
};

async function insertCompetences(db: Kysely<DB>, competences: Competence[], source: 'reference' | 'import') {
  await insertColumns(db, 'competences', {
    commune_code: text(competences.map((c) => c.commune)),
    branche: text(competences.map((c) => c.branche)),
    organisation_code: text(competences.map((c) => c.organisation)),
    source: text(competences.map(() => source)),
  }, sql`ON CONFLICT (commune_code, branche) DO UPDATE SET organisation_code = excluded.organisation_code,
    source = excluded.source, modifie_le = now()`);
}
