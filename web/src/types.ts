/** Names for the API types the whole app uses: aliases of the generated types (./api/schema.d.ts), never copies. */
import type { ApiOk, ApiBody, components } from './api/client';

export type Session = ApiOk<'/api/session'>;
export type CompteSession = Session['compte'];
export type Organisation = CompteSession['organisation'];
export type CompteAdministre = components['schemas']['Compte'];
export type CodeRole = NonNullable<ApiBody<'/api/comptes/{id}', 'patch'>['roles']>[number];
export type ResultatCodePostal = ApiOk<'/api/territoires/code-postal/{cp}'>;
export type Commune = ResultatCodePostal['communes'][number];
