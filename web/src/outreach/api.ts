/** Outreach calls (docs/outreach.md): worklists, person page, events, assignment, orientations, bulk outcomes. */
import { api, ApiError } from '../api';

export interface WorklistRow {
  id: string;
  statut: string;
  statutLibelle: string;
  termine: boolean;
  version: number;
  appelable: boolean;
  champs: Record<string, string>;
  aRisque: boolean;
  agent: { id: string; nom: string } | null;
  dernierEvenementLe: string | null;
}

export interface Worklist {
  organisations: string[];
  organisation: string;
  programmes: { code: string; titre: string; evenements: { code: string; libelle: string; detail: string; partenaires: string[] }[] }[];
  mois: string[];
  statuts: { code: string; libelle: string; termine: boolean }[];
  programme: string | null;
  periode: string | null;
  page: number;
  taille: number;
  total: number;
  restants: number;
  parStatut: Record<string, number>;
  lignes: WorklistRow[];
}

export interface CallScript { titre: string; introduction: string; etapes: { titre: string; texte: string }[]; refus: string }

export interface Action {
  code: string; libelle: string; bouton: string; genre: string; canal: string | null;
  detail: 'aucun' | 'note' | 'texte' | 'date' | 'date_heure' | 'partenaire';
  partenaires: { code: string; libelle: string }[];
}

export interface Person {
  contact: {
    id: string; organisation: string; programme: string; programmeTitre: string; periode: string; statut: string; statutLibelle: string;
    termine: boolean; version: number; appelable: boolean; champs: Record<string, string>; aRisque: boolean; canalSur: string | null;
    agent: { id: string; nom: string } | null; importeLe: string; traiteLe: string | null; echeance: string;
  };
  evenements: { id: string; code: string; libelle: string; detail: string | null; detailLibelle: string | null; survenuLe: string; origine: string; auteur: string | null }[];
  orientations: { id: string; partenaire: string; partenaireLibelle: string; partenaireOrganisation: string | null; statut: string; statutLibelle: string; version: number; creeLe: string }[];
  /** What may be recorded next, from the programme's vocabulary (its `evenements`). */
  actions: Action[];
  script: CallScript;
}

export interface OutcomesReport {
  lignes: number; enregistrees: number; dejaEnregistrees: number; rejetees: number; import: string;
  rapport: { ligne: number; resultat: 'enregistree' | 'deja_enregistree' | 'rejetee'; motif: string }[];
}

export interface ToDo { organisation: string; programme: string; programmeTitre: string; mois: string; aTraiter: number; total: number }
export const fetchToDo = () => api<{ listes: ToDo[] }>('/api/listes/a-faire');
export const fetchWorklist = (params: URLSearchParams) => api<Worklist>(`/api/listes?${params.toString()}`);
export const fetchPerson = (id: string) => api<Person>(`/api/listes/contacts/${encodeURIComponent(id)}`);
export const fetchAgents = () => api<{ agents: { id: string; nom: string; organisation: string }[] }>('/api/listes/agents');
export const postEvent = (id: string, body: { code: string; detail?: string | null; version: number }) =>
  api<{ statut: string; statutLibelle: string; version: number }>(`/api/listes/contacts/${encodeURIComponent(id)}/evenements`, { method: 'POST', body });
/** `vus`: the agent shown for each contact when the user chose (a contact reassigned meanwhile is reported as a conflict). */
export const assign = (contacts: string[], agent: string | null, vus?: Record<string, string | null>) =>
  api<{ attribues: number; ignores: number; conflits: number }>('/api/listes/attributions', { method: 'POST', body: { contacts, agent, ...(vus ? { vus } : {}) } });
export const patchOrientation = (id: string, statut: string, version: number) =>
  api<{ statut: string; version: number }>(`/api/listes/orientations/${encodeURIComponent(id)}`, { method: 'PATCH', body: { statut, version } });
export const closeMonth = (organisation: string, programme: string, mois: string) =>
  api<{ traites: number; echeance: string }>('/api/listes/cloture', { method: 'POST', body: { organisation, programme, mois } });

/** Sends the CSV file as is (raw bytes: a Windows-1252 file is decoded by the server). */
export async function uploadOutcomes(file: File, organisation: string, csrf: string | null, programme?: string): Promise<OutcomesReport> {
  const query = new URLSearchParams({ organisation, ...(programme ? { programme } : {}) });
  const response = await fetch(`/api/listes/resultats?${query.toString()}`, {
    method: 'POST', credentials: 'same-origin', body: file,
    headers: { 'content-type': 'application/octet-stream', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
  });
  const body = (await response.json().catch(() => ({}))) as { erreur?: string };
  if (!response.ok) throw new ApiError(response.status, body.erreur ?? "L'import des résultats a échoué.");
  return body as OutcomesReport;
}

export const PARTNERS: { code: string; libelle: string }[] = [
  { code: 'misas', libelle: 'Mission accompagnement santé (MisAS)' },
  { code: 'service_social', libelle: 'Service social (Carsat)' },
  { code: 'c2s', libelle: 'Complémentaire santé solidaire (C2S)' },
  { code: 'ass', libelle: "Aides de l'action sanitaire et sociale (ASS)" },
  { code: 'caf_travailleur_social', libelle: 'Travailleur social de la Caf' },
  { code: 'aripa', libelle: 'ARIPA (pensions alimentaires)' },
];

export const FIELD_LABELS: Record<string, string> = {
  nom: 'Nom', prenom: 'Prénom', email: 'Adresse électronique', telephone: 'Téléphone', adresse: 'Adresse', code_postal: 'Code postal',
  commune: 'Commune', prestation: 'Prestation demandée', marqueurs: 'Situations repérées', autorisation_contact_email: 'Accepte les courriels',
  autorisation_contact_telephone: 'Accepte les appels', risque_violence: 'Signalée à risque de violences', adresse_ligne: 'Adresse',
  adresse_complement: "Complément d'adresse", nombre_enfants: "Nombre d'enfants", mode_garde: 'Mode de garde', date_declaration: 'Date de la déclaration',
  // signalements (src/signalements): the indicative criteria of a hospital discharge
  date_naissance: 'Date de naissance', etablissement: 'Établissement qui signale', date_signalement: 'Date du signalement',
  date_entree: "Entrée à l'hôpital", date_sortie_prevue: 'Sortie prévue', ald: 'Affection de longue durée (ALD)', c2s: 'Complémentaire santé solidaire (C2S)',
  minimum_social: 'Minimum social', sans_complementaire: 'Sans complémentaire santé', difficulte_financement_soins: 'Difficulté à financer les soins',
  retraite: 'Retraité du régime général', gir: 'GIR', situations: 'Situations repérées',
};

export const dateTimeFr = (iso: string) => new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
export const dateFr = (iso: string) => new Date(`${iso.slice(0, 10)}T12:00:00Z`).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
