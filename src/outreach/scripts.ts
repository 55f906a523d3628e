/**
 * The call script (or visit guide) of a programme: its definition's `script` (data/programmes/*.json, written
 * from the seeds), or a generic one. Pure.
 */
import type { Programme } from '../programmes/index.ts';

export interface CallScript {
  titre: string;
  introduction: string;
  etapes: { titre: string; texte: string }[];
  /** What to say when the person declines or objects. */
  refus: string;
}

/** The script of a programme; a generic one for programmes without their own. */
export function callScript(programme: Pick<Programme, 'titre' | 'script'>): CallScript {
  return programme.script ?? {
    titre: `Script d'appel — ${programme.titre}`,
    introduction: "Bonjour, je suis [prénom], de [organisme]. Je vous appelle pour vous présenter une offre de service qui pourrait vous concerner. Avez-vous quelques minutes ?",
    etapes: [{ titre: "Présenter l'offre", texte: "Présenter l'offre du programme et proposer un rendez-vous." }],
    refus: "Souhaitez-vous ne plus être recontacté(e) à ce sujet ? (Si oui : « opposition » ; sinon : « offre refusée ».)",
  };
}
