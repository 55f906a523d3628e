/** Shapes of the orientation API (see docs/orientation.md and src/orientation/index.ts). */

export type ParcoursId = 'separation' | 'aidant' | 'naissance';
export type TypeQuestion = 'code_postal' | 'choix' | 'oui_non' | 'nombre';
export type Branche = 'caf' | 'assurance_maladie' | 'carsat';
export type Nature = 'droit' | 'service' | 'demarche';
export type Etape = 'maintenant' | 'bientot' | 'ensuite';

/** An answer as the API expects it: a string (postal code, choice), a boolean (oui/non) or a number. */
export type Valeur = string | number | boolean;
export type Reponses = Record<string, Valeur>;

export interface OptionQuestion {
  valeur: string | boolean;
  libelle: string;
}

export interface Question {
  id: string;
  libelle: string;
  aide: string;
  type: TypeQuestion;
  options: OptionQuestion[];
  /** Only asked when an earlier answer is one of `dans`. */
  siReponse?: { question: string; dans: (string | boolean)[] };
  min?: number;
  max?: number;
}

export interface Parcours {
  id: ParcoursId | string;
  titre: string;
  description: string;
  questions: Question[];
}

export interface ListeParcours {
  parcours: Parcours[];
  communeSupplementaire: { id: string; libelle: string; aide: string };
  catalogue: { version: string };
}

export interface Montant {
  parametre: string;
  libelle: string;
  valeur: number;
  unite: string;
  valeurTexte: string;
  dateEffet: string;
  dateEffetTexte: string;
  source: { titre: string; url: string };
  champ?: string;
  note?: string;
  statut: 'en_vigueur' | 'non_actualise';
  revalorisationAttendue?: string;
  avertissement?: string;
}

export interface Offre {
  id: string;
  branche: Branche;
  organisme: string;
  nature: Nature;
  titre: string;
  description: string;
  pourquoi: string;
  demarches: string[];
  lien: { libelle: string; url: string };
  montants: Montant[];
  etape: Etape;
  ordre: number;
  /** false: shown on screen, never printed (e.g. help for victims of violence). */
  checklist: boolean;
}

export interface Contact {
  code: string;
  nom: string;
  branches: Branche[];
  roles: string[];
  telephones: { numero: string; libelle: string }[];
  site: { libelle: string; url: string };
}

export interface ResultatOrientation {
  parcours: { id: string; titre: string };
  commune: { code: string; nom: string; departement: { code: string; nom: string } };
  contacts: Contact[];
  /** Day of the evaluation (YYYY-MM-DD). */
  date: string;
  catalogue: { version: string };
  libelles: { branches: Record<Branche, string>; etapes: Record<Etape, string> };
  avertissement: string;
  offres: Offre[];
}

export interface CommuneProposee {
  code: string;
  nom: string;
}

/** GET /api/orientation/catalogue (administrators). */
export interface CatalogueAdmin {
  version: string;
  revue: { date: string; note: string };
  date: string;
  parcours: { id: string; titre: string; offres: string[] }[];
  offres: {
    id: string;
    branche: Branche;
    organisme: string;
    nature: Nature;
    titre: string;
    lien: { libelle: string; url: string };
    etape: Etape;
    ordre: number;
    checklist: boolean;
    parametres: string[];
    parcours: { id: string; titre: string; condition: string; pourquoi: string }[];
  }[];
  parametres: {
    id: string;
    libelle: string;
    unite: string;
    revalorisation: { jour: string; libelle: string } | null;
    valeurs: { valeur: number; dateEffet: string; source: { titre: string; url: string } }[];
    actuel: Montant | null;
    offres: string[];
  }[];
}
