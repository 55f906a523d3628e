/** Outreach calls (docs/outreach.md): worklists, person page, events, assignment, orientations, bulk outcomes. */
import { call, client, upload, type ApiBody, type ApiOk, type ApiQuery } from '../api/client';

export type Worklist = ApiOk<'/api/listes'>;
export type WorklistRow = Worklist['lignes'][number];
export type Person = ApiOk<'/api/listes/contacts/{id}'>;
export type Action = Person['actions'][number];
export type CallScript = Person['script'];
export type OutcomesReport = ApiOk<'/api/listes/resultats', 'post'>;
export type ToDo = ApiOk<'/api/listes/a-faire'>['listes'][number];

export const fetchToDo = () => call(client.GET('/api/listes/a-faire'));
/** `params`: the worklist page's own URL query (programme, mois, statut, page…), passed on as is; the server checks it. */
export const fetchWorklist = (params: URLSearchParams) =>
  call(client.GET('/api/listes', { params: { query: Object.fromEntries(params) as ApiQuery<'/api/listes'> } }));
export const fetchPerson = (id: string) => call(client.GET('/api/listes/contacts/{id}', { params: { path: { id } } }));
export const fetchAgents = () => call(client.GET('/api/listes/agents'));
export const postEvent = (id: string, body: ApiBody<'/api/listes/contacts/{id}/evenements'>) =>
  call(client.POST('/api/listes/contacts/{id}/evenements', { params: { path: { id } }, body }));
/** `vus`: the agent shown for each contact when the user chose (a contact reassigned meanwhile is reported as a conflict). */
export const assign = (contacts: string[], agent: string | null, vus?: Record<string, string | null>) =>
  call(client.POST('/api/listes/attributions', { body: { contacts, agent, ...(vus ? { vus } : {}) } }));
export const patchOrientation = (id: string, statut: ApiBody<'/api/listes/orientations/{id}', 'patch'>['statut'], version: number) =>
  call(client.PATCH('/api/listes/orientations/{id}', { params: { path: { id } }, body: { statut, version } }));
export const closeMonth = (organisation: string, programme: string, mois: string) =>
  call(client.POST('/api/listes/cloture', { body: { organisation, programme, mois } }));

/** Sends the CSV file as is (raw bytes: a Windows-1252 file is decoded by the server). */
export function uploadOutcomes(file: File, organisation: string, programme?: string): Promise<OutcomesReport> {
  return upload('/api/listes/resultats', file, { query: { organisation, programme } });
}

export const dateTimeFr = (iso: string) => new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
export const dateFr = (iso: string) => new Date(`${iso.slice(0, 10)}T12:00:00Z`).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
