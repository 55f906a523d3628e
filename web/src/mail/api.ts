/** Calls of the channels API (e-mail, letters, outbox, opposition): see src/server/routes/mail.ts. */
import { call, client, download, type ApiOk } from '../api/client';

export type QueuedMail = ApiOk<'/api/courriels/contacts/{id}', 'post'>;
export type MailingReport = ApiOk<'/api/courriers/publipostage'>['publipostage'];
export type SentMailList = ApiOk<'/api/courriels'>;
export type SentMail = SentMailList['lignes'][number];
export type OutboxStatus = SentMail['statut'];
export type MailBody = ApiOk<'/api/courriels/{id}'>['courriel'];
export type OppositionView = ApiOk<'/api/opposition/{jeton}'>['opposition'];

export function sendOfferEmail(id: string, version: number): Promise<QueuedMail> {
  return call(client.POST('/api/courriels/contacts/{id}', { params: { path: { id } }, body: { version } }));
}

const PDF = { parseAs: 'blob', headers: { accept: 'application/pdf' } } as const;

/** The month's mailing PDF (the letters are recorded as sent); `x-passerelle-courriers` says how many. */
export const downloadMailing = (programme: string, mois: string) =>
  download(client.POST('/api/courriers/publipostage', { body: { programme, mois }, ...PDF }), `publipostage-${programme}-${mois}.pdf`);

/** One person's offer letter (PDF). */
export const downloadLetter = (id: string, version: number) =>
  download(client.POST('/api/courriers/contacts/{id}', { params: { path: { id } }, body: { version }, ...PDF }), `courrier-${id}.pdf`);

export function mailingPreview(programme: string, mois: string) {
  return call(client.GET('/api/courriers/publipostage', { params: { query: { programme, mois } } }));
}

export function sentMail(page: number, statut: OutboxStatus | '') {
  return call(client.GET('/api/courriels', { params: { query: { page, taille: 25, ...(statut ? { statut } : {}) } } }));
}

export function mailBody(id: string) {
  return call(client.GET('/api/courriels/{id}', { params: { path: { id } } }));
}

export function oppositionView(jeton: string) {
  return call(client.GET('/api/opposition/{jeton}', { params: { path: { jeton } } }));
}

export function recordOpposition(jeton: string) {
  return call(client.POST('/api/opposition/{jeton}', { params: { path: { jeton } } }));
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
