/** API of the establishment's signalements page (src/server/routes/signalements.ts). */
import { call, client, upload, type ApiBody, type ApiOk } from '../api/client';

export type SignalementBody = ApiBody<'/api/signalements'>;
export type SignalementCree = ApiOk<'/api/signalements', 'post'>;
export type StatutSignalement = SignalementCree['statut'];
export type ListeSignalements = ApiOk<'/api/signalements'>;
export type RapportImport = ApiOk<'/api/signalements/fichier', 'post'>;

export const fetchSignalements = () => call(client.GET('/api/signalements', { params: { query: { taille: 200 } } }));
export const postSignalement = (body: SignalementBody) => call(client.POST('/api/signalements', { body }));
export const uploadSignalements = (file: File) => upload('/api/signalements/fichier', file);

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
