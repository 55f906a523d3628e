import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DB {
  meta: { cle: string; valeur: string };
  regions: { code: string; nom: string };
  departements: { code: string; nom: string; region_code: string; type_liaison: number };
  communes: { code: string; nom: string; departement_code: string; region_code: string; arrondissement: string | null; population: number };
  communes_codes_postaux: { code_postal: string; commune_code: string };
  organisations: { code: string; type: string; nom: string; departement_code: string | null; rattachement: string | null };
  competences: { commune_code: string; branche: string; organisation_code: string; source: string; modifie_le: Timestamp };
  comptes: {
    id: Generated<string>;
    email: string;
    nom: string;
    organisation_code: string;
    roles: string[];
    mot_de_passe_hash: string;
    actif: Generated<boolean>;
    echecs_connexion: Generated<number>;
    verrouille_jusqu_a: Date | null;
    version: Generated<number>;
    cree_le: Generated<Date>;
    modifie_le: Generated<Date>;
  };
  sessions: { jeton_hash: string; compte_id: string; csrf: string; expire_le: Timestamp; cree_le: Generated<Date> };
  journal_audit: {
    id: Generated<string>;
    horodatage: Timestamp;
    acteur_compte_id: string | null;
    acteur_organisation: string | null;
    action: string;
    cible_type: string | null;
    cible_id: string | null;
    details: ColumnType<Record<string, unknown>, string, string>;
    hash_precedent: string;
    hash: string;
  };
  /** An organisation's keyring (src/exchange/keys.ts KeyringSchema), SECRET keys included, in clear for now. */
  trousseaux: { organisation_code: string; trousseau: ColumnType<unknown, string, string>; cree_le: Generated<Date>; modifie_le: Generated<Date> };
  /** A local convention: `definition` is validated by parseConvention; `cle_pseudonyme` is the HMAC key (hex), never shown. */
  conventions: {
    id: string;
    expediteur: string;
    destinataire: string;
    definition: ColumnType<unknown, string, string>;
    cle_pseudonyme: string;
    cree_le: Generated<Date>;
    modifie_le: Generated<Date>;
  };
  /** A package as seen by its holder: the sender (detenteur = expediteur) or the recipient (detenteur = destinataire). */
  paquets: {
    id: string;
    detenteur: string;
    programme: string;
    convention: string;
    expediteur: string;
    destinataire: string;
    periode: string;
    nom: string;
    statut: 'scelle' | 'envoye' | 'acquitte' | 'refuse' | 'importe' | 'detruit';
    nombre_enregistrements: number;
    nombre_importes: number | null;
    cree_le: Timestamp;
    envoye_le: Timestamp | null;
    accuse_le: Timestamp | null;
    importe_le: Timestamp | null;
    detruit_le: Timestamp | null;
  };
  /** A person received in a package, on the receiving organisation's worklist for that programme. */
  contacts: {
    id: Generated<string>;
    organisation_code: string;
    programme: string;
    /** Null for a contact from the organisation's own extract (origine 'extrait', e.g. the Caf's separation plan). */
    paquet_id: string | null;
    /** Null once destroyed. */
    pseudonyme: string | null;
    /** Null once destroyed. */
    champs: ColumnType<Record<string, string> | null, string, string | null>;
    importe_le: Timestamp;
    traite_le: Timestamp | null;
    /** ISO date (YYYY-MM-DD): destroyed on that day at the latest. */
    echeance: ColumnType<string, string, string>;
    /** Cohort month (YYYY-MM): the cycle through which the person entered the worklist. */
    periode: string;
    origine: ColumnType<'paquet' | 'extrait', 'paquet' | 'extrait' | undefined, 'paquet' | 'extrait'>;
    detruit_le: Timestamp | null;
    agent_id: string | null;
    /** Incremented on every change: two agents editing the same person get a conflict, not a lost update. */
    version: Generated<number>;
    /** Cached from the events (recomputed in the same transaction as each event); never set by hand. */
    statut: Generated<string>;
    dernier_evenement_le: Timestamp | null;
    /** Valid phone number and authorisation to phone, decided at import (survives destruction: the funnel's « appelables »). */
    appelable: Generated<boolean>;
  };
  evenements: {
    id: Generated<string>;
    contact_id: string;
    organisation_code: string;
    programme: string;
    periode: string;
    code: string;
    detail: string | null;
    survenu_le: Timestamp;
    enregistre_le: Generated<Timestamp>;
    auteur_id: string | null;
    origine: 'agent' | 'import' | 'courriel' | 'courrier' | 'systeme';
  };
  orientations: {
    id: Generated<string>;
    contact_id: string;
    evenement_id: string;
    organisation_code: string;
    programme: string;
    partenaire: string;
    partenaire_organisation: string | null;
    statut: Generated<'envoyee' | 'acceptee' | 'realisee'>;
    cree_le: Generated<Timestamp>;
    modifie_le: Generated<Timestamp>;
    version: Generated<number>;
  };
}
