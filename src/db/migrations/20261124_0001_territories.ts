import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE meta (cle text PRIMARY KEY, valeur text NOT NULL);
    CREATE TABLE regions (code text PRIMARY KEY, nom text NOT NULL);
    CREATE TABLE departements (
      code text PRIMARY KEY, nom text NOT NULL,
      region_code text NOT NULL REFERENCES regions(code), type_liaison integer NOT NULL
    );
    CREATE TABLE communes (
      code text PRIMARY KEY, nom text NOT NULL,
      departement_code text NOT NULL REFERENCES departements(code),
      region_code text NOT NULL, arrondissement text, population integer NOT NULL DEFAULT 0
    );
    CREATE TABLE communes_codes_postaux (
      code_postal text NOT NULL, commune_code text NOT NULL REFERENCES communes(code) ON DELETE CASCADE,
      PRIMARY KEY (code_postal, commune_code)
    );
    CREATE TABLE organisations (
      code text PRIMARY KEY, type text NOT NULL, nom text NOT NULL,
      departement_code text REFERENCES departements(code),
      rattachement text REFERENCES organisations(code)
    );
    CREATE TABLE competences (
      commune_code text NOT NULL REFERENCES communes(code) ON DELETE CASCADE,
      branche text NOT NULL CHECK (branche IN ('caf', 'cpam', 'carsat')),
      organisation_code text NOT NULL REFERENCES organisations(code),
      source text NOT NULL DEFAULT 'reference',
      modifie_le timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (commune_code, branche)
    );
    CREATE INDEX competences_organisation ON competences (organisation_code);
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `DROP TABLE competences, organisations, communes_codes_postaux, communes, departements, regions, meta`);
}
