/** API of the establishment's signalements page (src/server/routes/signalements.ts). */
import { api, ApiError } from '../api';

export type StatutSignalement = 'recu' | 'pris_en_charge' | 'refuse';

export interface SignalementCree {
  id: string;
  resultat: 'ajoute' | 'deja_suivi';
  organisme: { code: string; nom: string };
  periode: string;
  statut: StatutSignalement;
  statutLibelle: string;
  message: string;
}

export interface ListeSignalements {
  etablissement: { code: string; nom: string; finess: string };
  page: number;
  taille: number;
  total: number;
  signalements: {
    id: string; dateSignalement: string; personne: string; organisme: { code: string; nom: string }; dejaSuivi: boolean;
    origine: 'formulaire' | 'fichier'; statut: StatutSignalement; statutLibelle: string; creeLe: string;
  }[];
}

export interface RapportImport {
  lignes: number; ajoutes: number; dejaSuivis: number; rejetees: number; opposes: number; valeursIgnorees: number;
  rapport: { ligne: number; resultat: 'ajoute' | 'deja_suivi' | 'rejete' | 'avertissement'; raison: string }[];
}

export const fetchSignalements = () => api<ListeSignalements>('/api/signalements?taille=200');
export const postSignalement = (body: Record<string, string>) => api<SignalementCree>('/api/signalements', { method: 'POST', body });

export async function uploadSignalements(file: File, csrf: string | null): Promise<RapportImport> {
  const response = await fetch('/api/signalements/fichier', {
    method: 'POST', credentials: 'same-origin', body: file,
    headers: { 'content-type': 'application/octet-stream', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
  });
  const body = (await response.json().catch(() => ({}))) as { erreur?: string };
  if (!response.ok) throw new ApiError(response.status, body.erreur ?? "L'envoi du fichier a échoué.");
  return body as RapportImport;
}

export const RESULTATS: Record<RapportImport['rapport'][number]['resultat'], string> = {
  ajoute: 'Transmis', deja_suivi: 'Déjà suivi', rejete: 'Rejeté', avertissement: 'Valeur ignorée',
};

/** The row report as a CSV file the establishment can keep (same columns as FILE.rapport.csv). */
export function rapportCsv(r: RapportImport): string {
  const cell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return '\ufeffligne;resultat;raison\r\n' + r.rapport.map((x) => `${x.ligne};${x.resultat};${cell(x.raison)}\r\n`).join('');
}

/** "5 décembre 2026" */
export const dateLongue = (iso: string) => new Date(`${iso.slice(0, 10)}T12:00:00Z`).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
