import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Sealed exchanges: organisations' keyrings, local conventions (with their pseudonym key), packages
 * (sender's and recipient's records) and the contacts imported from packages.
 * The keyrings hold SECRET keys in clear (jsonb): at-rest protection is not done yet (docs/exchange.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE trousseaux (
      organisation_code text PRIMARY KEY REFERENCES organisations(code),
      trousseau jsonb NOT NULL,
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE conventions (
      id text PRIMARY KEY,
      expediteur text NOT NULL REFERENCES organisations(code),
      destinataire text NOT NULL REFERENCES organisations(code),
      definition jsonb NOT NULL,
      cle_pseudonyme text NOT NULL CHECK (cle_pseudonyme ~ '^[0-9a-f]{64,}$'),
      cree_le timestamptz NOT NULL DEFAULT now(),
      modifie_le timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX conventions_parties ON conventions (expediteur, destinataire);
    CREATE TABLE paquets (
      id uuid NOT NULL,
      detenteur text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      convention text NOT NULL,
      expediteur text NOT NULL,
      destinataire text NOT NULL,
      periode text NOT NULL CHECK (periode ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      nom text NOT NULL,
      statut text NOT NULL CHECK (statut IN ('scelle', 'envoye', 'acquitte', 'refuse', 'importe', 'detruit')),
      nombre_enregistrements integer NOT NULL CHECK (nombre_enregistrements >= 0),
      nombre_importes integer CHECK (nombre_importes >= 0),
      cree_le timestamptz NOT NULL,
      envoye_le timestamptz,
      accuse_le timestamptz,
      importe_le timestamptz,
      detruit_le timestamptz,
      PRIMARY KEY (id, detenteur)
    );
    CREATE INDEX paquets_detenteur ON paquets (detenteur, statut);
    CREATE TABLE contacts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      organisation_code text NOT NULL REFERENCES organisations(code),
      programme text NOT NULL,
      paquet_id uuid NOT NULL,
      pseudonyme text NOT NULL CHECK (pseudonyme ~ '^[0-9a-f]{64}$'),
      champs jsonb NOT NULL,
      importe_le timestamptz NOT NULL,
      traite_le timestamptz,
      echeance date NOT NULL,
      FOREIGN KEY (paquet_id, organisation_code) REFERENCES paquets (id, detenteur),
      UNIQUE (organisation_code, paquet_id, pseudonyme)
    );
    CREATE INDEX contacts_echeance ON contacts (echeance);
    CREATE INDEX contacts_liste ON contacts (organisation_code, programme)
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `DROP TABLE contacts, paquets, conventions, trousseaux`);
}
