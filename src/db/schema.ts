import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DB {
  meta: { cle: string; valeur: string };
  regions: { code: string; nom: string };
  departements: { code: string; nom: string; region_code: string; type_liaison: number };
  communes: { code: string; nom: string; departement_code: string; region_code: string; arrondissement: string | null; population: number };
  communes_codes_postaux: { code_postal: string; commune_code: string };
  organisations: {
    code: string; type: string; nom: string; departement_code: string | null; rattachement: string | null;
    /** Health establishments (type 'etablissement', migration 0013): FINESS number and commune. */
    finess: ColumnType<string | null, string | null | undefined, string | null>;
    commune_code: ColumnType<string | null, string | null | undefined, string | null>;
  };
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
    /** Master key id whose derived HMAC key sealed the entry (migration 0015); null before the switch point. */
    cle: string | null;
  };
  /** The last entry left under the old unkeyed rule (migration 0015, written once). */
  journal_audit_bascule: { id: number; dernier_id_non_scelle: string; le: Generated<Date> };
  /** The signed head of the audit trail (one row, rewritten with every entry): count, last id and hash. */
  journal_audit_tete: { id: number; tete: ColumnType<Record<string, unknown>, string, string>; signature: string };
  /** Audit HMAC keys of earlier master keys, encrypted under the current one (`pcm1.…`), so a rotation keeps old entries verifiable. */
  journal_audit_cles: { cle: string; valeur: string };
  /** Failed logins per (e-mail, address) (migration 0015): `cle` = SHA-256 of both, never the e-mail itself. */
  echecs_connexion: { cle: string; echecs: number; dernier_echec: Date; verrouille_jusqu_a: Date | null };
  /** Signed heads kept as anchors (append-only): at start, hourly, at each destruction run. */
  journal_audit_ancres: { id: Generated<string>; source: string; tete: ColumnType<Record<string, unknown>, string, string>; signature: string };
  /** An organisation's keyring (src/exchange/keys.ts KeyringSchema), SECRET keys included: encrypted by the master key (`pcm1.…`, src/exchange/protection.ts) since migration 0006. */
  trousseaux: { organisation_code: string; trousseau: string; cree_le: Generated<Date>; modifie_le: Generated<Date> };
  /** Partner registry (migration 0006): an organisation hosted by another instance, its inbox URL and the public keyring trusted for it. */
  partenaires: {
    organisation_code: string;
    url_boite: string | null;
    trousseau_public: ColumnType<unknown, string, string>;
    cree_le: Generated<Date>;
    modifie_le: Generated<Date>;
  };
  /** A local convention: `definition` is validated by parseConvention; `cle_pseudonyme` is the HMAC key (hex, encrypted by the master key since migration 0006), never shown. */
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
    /** The signed acknowledgement (src/exchange/ack.ts): issued by the recipient, received by the sender (migration 0006). */
    accuse: ColumnType<unknown, string | null | undefined, string | null>;
    /** Refusal code of a refused package (migration 0006). */
    motif: string | null;
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
    origine: ColumnType<'paquet' | 'extrait' | 'signalement', 'paquet' | 'extrait' | 'signalement' | undefined, 'paquet' | 'extrait' | 'signalement'>;
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
  /** Outbox of offer e-mails (migration 0007): the body is wiped when the contact is destroyed; the address is never stored. */
  courriels: {
    id: Generated<string>;
    message_id: string;
    contact_id: string;
    organisation_code: string;
    programme: string;
    modele: string;
    objet: string;
    corps_texte: string | null;
    corps_html: string | null;
    statut: ColumnType<'en_attente' | 'envoye' | 'echec' | 'rejete' | 'annule', 'en_attente' | 'envoye' | 'echec' | 'rejete' | 'annule' | undefined, 'en_attente' | 'envoye' | 'echec' | 'rejete' | 'annule'>;
    tentatives: Generated<number>;
    derniere_erreur: string | null;
    demande_par: string | null;
    evenement_id: string | null;
    cree_le: ColumnType<Date, Date | string | undefined, Date | string>;
    modifie_le: ColumnType<Date, Date | string | undefined, Date | string>;
    envoye_le: Timestamp | null;
    efface_le: Timestamp | null;
  };
  /** Mail caught by the demo SMTP server (raw message wiped with the contact's data). */
  courriels_demo: { id: Generated<string>; message_id: string; recu_le: ColumnType<Date, Date | string | undefined, Date | string>; taille: number; brut: string | null };
  /** An organisation's own secret keys (encrypted by the master key since 0011, `pcm1.…`; hex before), e.g. the pseudonym key of its own extracts; never shown. */
  cles_organisation: { organisation_code: string; usage: 'pseudonyme'; cle: string; cree_le: ColumnType<Date, Date | string | undefined, Date | string> };
  /** Long-lived opposition register (migration 0011, art. 21 RGPD): survives the destruction of the contacts; no other data. */
  oppositions: {
    organisation_code: string;
    programme: string;
    pseudonyme: string;
    oppose_le: ColumnType<Date, Date | string, Date | string>;
    enregistre_le: ColumnType<Date, Date | string | undefined, Date | string>;
    /** Date (YYYY-MM-DD) after which the retention job deletes the row. */
    conserver_jusqu_au: ColumnType<string, string, string>;
  };
  /** After a contact's destruction, the date from which its programme may target the person again (migration 0014); nothing else. */
  suivis_termines: {
    organisation_code: string;
    programme: string;
    pseudonyme: string;
    termine_le: ColumnType<string, string, string>;
    reciblable_le: ColumnType<string, string, string>;
  };
  /** One run of a Passerelle job (migration 0008): French message without personal data, counts only in `resultat`. */
  executions_taches: {
    id: Generated<string>;
    tache: string;
    declenchement: 'planifie' | 'manuel' | 'web';
    parametres: ColumnType<Record<string, unknown>, string | undefined, string>;
    statut: ColumnType<'en_cours' | 'reussie' | 'echouee', 'en_cours' | 'reussie' | 'echouee' | undefined, 'en_cours' | 'reussie' | 'echouee'>;
    debut: ColumnType<Date, Date | string | undefined, Date | string>;
    fin: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    message: string | null;
    resultat: ColumnType<Record<string, unknown>, string | undefined, string>;
    file_id: string | null;
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
  /** A health establishment's signalement (migration 0013): what the establishment may see of it; initials wiped with the contact. */
  signalements: {
    id: Generated<string>;
    etablissement_code: string | null;
    finess: string;
    organisation_code: string;
    programme: string;
    periode: string;
    date_signalement: ColumnType<string, string, string>;
    initiales: string | null;
    contact_id: string | null;
    resultat: 'ajoute' | 'deja_suivi';
    origine: 'formulaire' | 'fichier';
    cree_le: ColumnType<Date, Date | string | undefined, Date | string>;
    cree_par: string | null;
    conserver_jusqu_au: ColumnType<string, string, string>;
  };
}
