import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE comptes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      nom text NOT NULL,
      organisation_code text NOT NULL REFERENCES organisations(code),
      roles text[] NOT NULL,
      mot_de_passe_hash text NOT NULL,
      actif boolean NOT NULL DEFAULT true,
      echecs_connexion integer NOT NULL DEFAULT 0,
      verrouille_jusqu_a timestamptz,
      version integer NOT NULL DEFAULT 1,
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX comptes_email ON comptes (lower(email));
    CREATE INDEX comptes_organisation ON comptes (organisation_code);
    CREATE TABLE sessions (
      jeton_hash text PRIMARY KEY,
      compte_id uuid NOT NULL REFERENCES comptes(id) ON DELETE CASCADE,
      csrf text NOT NULL,
      expire_le timestamptz NOT NULL,
      cree_le timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sessions_compte ON sessions (compte_id);
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `DROP TABLE sessions, comptes`);
}
