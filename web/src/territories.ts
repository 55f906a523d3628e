/** The public postal-code lookup (GET /api/territoires/code-postal/{cp}), shared by the territories page and the signalement form. */
import { call, client } from './api/client';

export const communesOf = (cp: string, signal?: AbortSignal) =>
  call(client.GET('/api/territoires/code-postal/{cp}', { params: { path: { cp } }, signal }));
