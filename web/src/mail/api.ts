/** Calls of the channels API (e-mail, letters, outbox, opposition): see src/server/routes/mail.ts. */
import { api, ApiError } from '../api';

export interface QueuedMail { courriel: { id: string; statut: string }; message: string }

export function sendOfferEmail(contactId: string, version: number): Promise<QueuedMail> {
  return api<QueuedMail>(`/api/courriels/contacts/${encodeURIComponent(contactId)}`, { method: 'POST', body: { version } });
}

export interface DownloadedFile { fileName: string; size: number; headers: Headers }

/** POSTs and saves the PDF answer as a file (a JSON answer is an error in French). */
export async function downloadPdf(path: string, body: unknown, csrf: string | null, fallbackName: string): Promise<DownloadedFile> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/pdf', 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Impossible de joindre le service Passerelle. Vérifiez votre connexion puis réessayez.');
  }
  if (!response.ok) {
    let message = 'Le document n’a pas pu être produit. Réessayez dans quelques instants.';
    try {
      const payload = (await response.json()) as { erreur?: unknown };
      if (typeof payload.erreur === 'string') message = payload.erreur;
    } catch {
      // keep the generic message
    }
    throw new ApiError(response.status, message);
  }
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { fileName, size: blob.size, headers: response.headers };
}

export interface MailingReport {
  organisation: string;
  programme: string;
  periode: string;
  personnes: number;
  courriers: number;
  exclus: { raison: string; nombre: number }[];
}

export function mailingPreview(programme: string, month: string): Promise<{ publipostage: MailingReport }> {
  return api(`/api/courriers/publipostage?programme=${encodeURIComponent(programme)}&mois=${encodeURIComponent(month)}`);
}

export type OutboxStatus = 'en_attente' | 'envoye' | 'echec' | 'rejete' | 'annule';

export interface SentMail {
  id: string;
  contactId: string;
  organisation: string;
  programme: string;
  periode: string;
  modele: string;
  objet: string;
  statut: OutboxStatus;
  tentatives: number;
  derniereErreur: string | null;
  creeLe: string;
  envoyeLe: string | null;
  recuLe: string | null;
  corpsDisponible: boolean;
}

export interface SentMailList { total: number; lignes: SentMail[]; page: number; taille: number; serveurDemo: boolean }

export function sentMail(page: number, status: OutboxStatus | ''): Promise<SentMailList> {
  return api(`/api/courriels?page=${page}&taille=25${status ? `&statut=${status}` : ''}`);
}

export interface MailBody { id: string; objet: string; statut: string; texte: string | null; html: string | null; brut: string | null; recuLe: string | null; efface: boolean }

export function mailBody(id: string): Promise<{ courriel: MailBody }> {
  return api(`/api/courriels/${encodeURIComponent(id)}`);
}

export interface OppositionView { programme: string; programmeTitre: string; organisation: string; dejaEnregistree: boolean; donneesDetruites: boolean }

export function oppositionView(token: string): Promise<{ opposition: OppositionView }> {
  return api(`/api/opposition/${encodeURIComponent(token)}`);
}

export function recordOpposition(token: string): Promise<{ opposition: OppositionView; nouvelle: boolean }> {
  return api(`/api/opposition/${encodeURIComponent(token)}`, { method: 'POST', csrf: false });
}

export const STATUS_LABELS: Record<OutboxStatus, string> = {
  en_attente: 'En attente d’envoi',
  envoye: 'Envoyé',
  echec: 'Échec',
  rejete: 'Refusé par le destinataire',
  annule: 'Annulé',
};

export function dateTimeFr(iso: string | null): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(iso));
}
