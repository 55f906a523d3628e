import { useState } from 'react';
import { ApiError, messageErreur } from '../api/client';
import { communesProposees, evaluerParcours } from './api';
import { COMMUNE, preparerReponses } from './questions';
import type { CommuneProposee, Parcours, Reponses, ResultatOrientation } from './types';

/**
 * The state of an orientation questionnaire (public pathway or interview) and its submission. The answers
 * live here, in memory only. `evaluer` sends them; on a refusal it sorts the server's answer out:
 * a postal code shared by several communes (`surCommunes`, with the message for the commune question),
 * per-question messages (`surChamps`: return false to show the general message instead), anything else
 * as the general message `erreurEnvoi`.
 */
export function useEvaluation() {
  const [reponses, setReponses] = useState<Reponses>({});
  const [erreurs, setErreurs] = useState<Record<string, string>>({});
  const [communes, setCommunes] = useState<CommuneProposee[] | null>(null);
  const [resultat, setResultat] = useState<ResultatOrientation | null>(null);
  const [envoiEnCours, setEnvoiEnCours] = useState(false);
  const [erreurEnvoi, setErreurEnvoi] = useState<string | null>(null);

  async function evaluer(
    parcours: Parcours,
    suites: { surResultat: () => void; surCommunes: (message: string) => void; surChamps: (champs: Record<string, string>) => boolean },
  ) {
    setEnvoiEnCours(true);
    setErreurEnvoi(null);
    try {
      const reponse = await evaluerParcours(parcours.id, preparerReponses(parcours, reponses));
      setResultat(reponse);
      suites.surResultat();
    } catch (erreur) {
      if (erreur instanceof ApiError && erreur.status === 400) {
        const proposees = communesProposees(erreur);
        if (proposees && proposees.length > 0) {
          setCommunes(proposees);
          suites.surCommunes(erreur.champs[COMMUNE] ?? erreur.message);
          return;
        }
        if (suites.surChamps(erreur.champs)) return;
      }
      setErreurEnvoi(messageErreur(erreur));
    } finally {
      setEnvoiEnCours(false);
    }
  }

  return { reponses, setReponses, erreurs, setErreurs, communes, setCommunes, resultat, setResultat, envoiEnCours, erreurEnvoi, setErreurEnvoi, evaluer };
}
