/**
 * Role labels come from the server (GET /api/libelles); the role descriptions of the home page and the
 * organisation types' group labels are the web app's own wording.
 */
import { useQuery } from '@tanstack/react-query';
import { call, client } from './api/client';
import type { CodeRole } from './types';

/** The labels of server codes (roles, a person's fields): public, the same for the whole session. */
export function useLibelles() {
  return useQuery({ queryKey: ['libelles'], queryFn: ({ signal }) => call(client.GET('/api/libelles', { signal })), staleTime: Infinity });
}

/** The roles in the order to present them, with their labels (empty while loading). */
export function useRoles() {
  return useLibelles().data?.roles ?? [];
}

/** `(code) => label`, the code itself while the labels load or for an unknown code. */
export function useLibelleRole(): (code: string) => string {
  const roles = useRoles();
  return (code) => roles.find((role) => role.code === code)?.libelle ?? code;
}

/** What each role does in Passerelle, in plain French, shown on the home page. */
export const DESCRIPTIONS_ROLE: Record<CodeRole, string> = {
  agent:
    "Travailler votre liste de personnes à contacter : envoyer l'offre, appeler, noter le résultat de l'appel, l'accord de la personne, le rendez-vous pris puis honoré ou non, et les orientations vers les partenaires.",
  charge_echanges:
    "Lancer chaque mois le ciblage d'un programme, envoyer le paquet scellé à l'organisme partenaire, recevoir et importer les paquets que vos partenaires vous adressent.",
  pilote_local:
    'Suivre les parcours (de la personne repérée au rendez-vous honoré) et les indicateurs de votre territoire, préparer la revue de projet et le bilan annuel.',
  pilote_national:
    'Consulter les indicateurs agrégés de tous les territoires, uniquement sous forme anonyme : aucune donnée personnelle.',
  dpo:
    'Consulter le registre des traitements établi à partir des programmes, vérifier les durées de conservation, les preuves de destruction et le journal des accès.',
  administrateur:
    "Gérer les comptes : créer un compte, attribuer les rôles, désactiver un compte, réinitialiser un mot de passe.",
  signalant:
    "Signaler au service social de la Carsat les patients qui sortent d'hospitalisation avec un besoin d'aide pour le retour à domicile, un par un ou par fichier, et suivre l'état de vos signalements.",
};

export function estRoleConnu(code: string): code is CodeRole {
  return Object.hasOwn(DESCRIPTIONS_ROLE, code);
}

export const LIBELLES_TYPE_ORGANISATION: Record<string, string> = {
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
