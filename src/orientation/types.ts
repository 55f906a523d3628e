/** Types of the orientation context: pathways, questions, the offer catalogue and what an evaluation returns. */
import type { OfferBranch } from '../territories/index.ts';
import type { Regle } from '../rules/index.ts';

export type ParcoursId = 'separation' | 'aidant' | 'naissance';
export const PARCOURS_IDS: readonly ParcoursId[] = ['separation', 'aidant', 'naissance'];

export type QuestionType = 'code_postal' | 'choix' | 'oui_non' | 'nombre';
export type Valeur = string | number | boolean;

export interface Option { valeur: string | boolean; libelle: string }

export interface Question {
  id: string;
  libelle: string;
  /** Plain-French explanation: why we ask, what to answer. */
  aide: string;
  type: QuestionType;
  options: Option[];
  /** Only asked (and required) when this rule on earlier answers holds (data: `poseeSi`). */
  poseeSi?: Regle;
  /** The same condition in the shape the web form applies: the answer to `question` is one of `dans`. */
  siReponse?: { question: string; dans: (string | boolean)[] };
  min?: number;
  max?: number;
}

export interface Parcours {
  id: ParcoursId;
  titre: string;
  description: string;
  questions: Question[];
  /** Situation → offers expected, in the order of the check-list: the specification of the catalogue. */
  exemples: { situation: string; reponses: Record<string, Valeur>; offres: string[] }[];
}

export type Reponses = Record<string, Valeur>;

/** A condition over the answers (data/offres.json `si`, data/parcours `poseeSi`): a rule of the one rule language. */
export type Condition = Regle;

/** An offer's branch: the territories' `OfferBranch` (one model; the network spells the health branch `cpam`). */
export type Branche = OfferBranch;
export type Nature = 'droit' | 'service' | 'demarche';
export type Etape = 'maintenant' | 'bientot' | 'ensuite';

export const BRANCHE_LIBELLES: Record<Branche, string> = {
  caf: 'Caf',
  assurance_maladie: 'Assurance Maladie',
  carsat: 'Carsat',
};
export const NATURE_LIBELLES: Record<Nature, string> = { droit: 'Droit', service: 'Service', demarche: 'Démarche' };
export const ETAPES: readonly Etape[] = ['maintenant', 'bientot', 'ensuite'];
export const ETAPE_LIBELLES: Record<Etape, string> = {
  maintenant: 'Tout de suite',
  bientot: 'Dans les semaines qui viennent',
  ensuite: 'Ensuite, pour prendre soin de vous et des vôtres',
};

export interface Lien { libelle: string; url: string }

export interface ValeurDatee { valeur: number; dateEffet: string; source: { titre: string; url: string } }
export interface Parametre {
  id: string;
  libelle: string;
  unite: string;
  champ?: string;
  note?: string;
  /** Annual revaluation day (MM-DD): a value older than the next such day is "non actualisé". */
  revalorisation?: { jour: string; libelle: string };
  valeurs: ValeurDatee[];
}

export interface UsageParcours { si: Condition; pourquoi: string }
export interface Offre {
  id: string;
  branche: Branche;
  organisme: string;
  nature: Nature;
  titre: string;
  description: string;
  demarches: string[];
  lien: Lien;
  montants?: { parametre: string }[];
  etape: Etape;
  ordre: number;
  /** false: shown on screen but never printed (e.g. help for victims of violence: paper can be found at home). */
  checklist?: boolean;
  parcours: Partial<Record<ParcoursId, UsageParcours>>;
}

export interface Catalogue {
  description: string;
  version: string;
  revue: { date: string; note: string };
  parametres: Parametre[];
  offres: Offre[];
}

/** An amount as shown to the citizen: always with its date and source, and a warning when it is out of date. */
export interface Montant {
  parametre: string;
  libelle: string;
  valeur: number;
  unite: string;
  /** "199,19 € par mois et par enfant" */
  valeurTexte: string;
  dateEffet: string;
  /** "1er avril 2025" */
  dateEffetTexte: string;
  source: { titre: string; url: string };
  champ?: string;
  note?: string;
  statut: 'en_vigueur' | 'non_actualise';
  /** Date at which a newer value was expected (annual revaluation), when known. */
  revalorisationAttendue?: string;
  avertissement?: string;
}

export interface OffreResultat {
  id: string;
  branche: Branche;
  brancheLibelle: string;
  organisme: string;
  nature: Nature;
  titre: string;
  description: string;
  pourquoi: string;
  demarches: string[];
  lien: Lien;
  montants: Montant[];
  etape: Etape;
  etapeLibelle: string;
  ordre: number;
  checklist: boolean;
}
