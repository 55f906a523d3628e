import type { CodeRole, TypeOrganisation } from './types';

export interface DefinitionRole {
  code: CodeRole;
  libelle: string;
  /** What the role does in Passerelle, in plain French, shown on the home page. */
  description: string;
}

export const ROLES: readonly DefinitionRole[] = [
  {
    code: 'agent',
    libelle: "Agent d'accompagnement",
    description:
      "Travailler votre liste de personnes à contacter : envoyer l'offre, appeler, noter le résultat de l'appel, l'accord de la personne, le rendez-vous pris puis honoré ou non, et les orientations vers les partenaires.",
  },
  {
    code: 'charge_echanges',
    libelle: 'Chargé des échanges',
    description:
      "Lancer chaque mois le ciblage d'un programme, envoyer le paquet scellé à l'organisme partenaire, recevoir et importer les paquets que vos partenaires vous adressent.",
  },
  {
    code: 'pilote_local',
    libelle: 'Pilote local',
    description:
      'Suivre les parcours (de la personne repérée au rendez-vous honoré) et les indicateurs de votre territoire, préparer la revue de projet et le bilan annuel.',
  },
  {
    code: 'pilote_national',
    libelle: 'Pilote national',
    description:
      'Consulter les indicateurs agrégés de tous les territoires, uniquement sous forme anonyme : aucune donnée personnelle.',
  },
  {
    code: 'dpo',
    libelle: 'Délégué à la protection des données',
    description:
      'Consulter le registre des traitements établi à partir des programmes, vérifier les durées de conservation, les preuves de destruction et le journal des accès.',
  },
  {
    code: 'administrateur',
    libelle: 'Administrateur',
    description: "Gérer les comptes : créer un compte, attribuer les rôles, désactiver un compte, réinitialiser un mot de passe.",
  },
  {
    code: 'signalant',
    libelle: 'Signalant (établissement de santé)',
    description:
      "Signaler au service social de la Carsat les patients qui sortent d'hospitalisation avec un besoin d'aide pour le retour à domicile, un par un ou par fichier, et suivre l'état de vos signalements.",
  },
];

export function libelleRole(code: string): string {
  return ROLES.find((role) => role.code === code)?.libelle ?? code;
}

export function definitionRole(code: string): DefinitionRole | undefined {
  return ROLES.find((role) => role.code === code);
}

export const LIBELLES_TYPE_ORGANISATION: Record<TypeOrganisation, string> = {
  caf: "Caisses d'allocations familiales (Caf)",
  cpam: "Caisses primaires d'assurance maladie (CPAM)",
  ces: "Centres d'examens de santé (CES)",
  carsat: "Caisses d'assurance retraite et de la santé au travail (Carsat)",
  cgss: 'Caisses générales de sécurité sociale (CGSS)',
  css: 'Caisses de sécurité sociale (CSS)',
  ccss: 'Caisse commune de sécurité sociale (CCSS)',
  national: 'Têtes de réseau nationales',
  etablissement: 'Établissements de santé',
};
