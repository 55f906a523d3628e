/** Names for the orientation API's types: aliases of the generated ones (../api/schema.d.ts), never copies. */
import type { ApiBody, ApiOk, paths } from '../api/client';

export type ListeParcours = ApiOk<'/api/orientation'>;
export type Parcours = ListeParcours['parcours'][number];
export type ParcoursId = Parcours['id'];
export type Question = Parcours['questions'][number];
export type TypeQuestion = Question['type'];
export type OptionQuestion = Question['options'][number];

export type Reponses = ApiBody<'/api/orientation/{parcours}'>['reponses'];
/** An answer as the API expects it: a string (postal code, choice), a boolean (oui/non) or a number. */
export type Valeur = Reponses[string];

export type ResultatOrientation = ApiOk<'/api/orientation/{parcours}', 'post'>;
export type Offre = ResultatOrientation['offres'][number];
export type Montant = Offre['montants'][number];
export type Contact = ResultatOrientation['contacts'][number];
export type Branche = Offre['branche'];
export type Nature = Offre['nature'];
export type Etape = Offre['etape'];

type OrientationRefusal = paths['/api/orientation/{parcours}']['post']['responses'][400]['content']['application/json'];
/** The communes of a postal code shared by several: the 400 answer's `communes`. */
export type CommuneProposee = NonNullable<OrientationRefusal['communes']>[number];

/** GET /api/orientation/catalogue (administrators). */
export type CatalogueAdmin = ApiOk<'/api/orientation/catalogue'>;
