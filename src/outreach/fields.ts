/**
 * Which of a person's fields an agent sees, and who may work which worklist. Pure.
 */
import type { Programme } from '../programmes/index.ts';
import { riskProfile } from './rules.ts';

export const FIELD_LABELS: Record<string, string> = {
  nom: 'Nom', prenom: 'Prénom', email: 'Adresse électronique', telephone: 'Téléphone', adresse: 'Adresse', code_postal: 'Code postal',
  commune: 'Commune', prestation: 'Prestation demandée', marqueurs: 'Situations repérées', autorisation_contact_email: 'Accepte les courriels',
  autorisation_contact_telephone: 'Accepte les appels', risque_violence: 'Signalée à risque de violences', adresse_ligne: 'Adresse',
  adresse_complement: "Complément d'adresse", nombre_enfants: "Nombre d'enfants", mode_garde: 'Mode de garde', date_declaration: 'Date de la déclaration',
  date_naissance_mere: 'Date de naissance', chambre: 'Chambre', date_accouchement: "Date de l'accouchement", date_sortie: 'Date de sortie', mode_accouchement: "Mode d'accouchement",
  date_naissance: 'Date de naissance', etablissement: 'Établissement de santé', date_signalement: 'Date du signalement',
  date_entree: "Date d'entrée dans l'établissement", date_sortie_prevue: 'Sortie prévue', ald: 'Affection de longue durée (ALD)', c2s: 'Complémentaire santé solidaire (C2S)',
  minimum_social: 'Minimum social', sans_complementaire: 'Sans complémentaire santé', difficulte_financement_soins: 'Difficulté à financer les soins',
  retraite: 'Retraité du régime général', gir: 'GIR', situations: 'Situations repérées',
};

/** The fields a worklist row shows (the rest only on the person page). */
export const LIST_FIELDS = ['nom', 'prenom', 'code_postal'] as const;

/**
 * The fields shown for a person: those the programme lets cross (a package is already minimised
 * to programme ∩ convention; this filter is a second lock), or the columns an in-house or
 * signalement programme keeps on its holder's list (`champsListe`; the safe-channel columns are
 * shown through the safe channel below). For a person at risk of violence, the household's shared
 * channels are hidden and only the safe channel is shown.
 */
export function visibleFields(programme: Pick<Programme, 'donnees' | 'canaux' | 'personnesARisque'>, origine: 'paquet' | 'extrait' | 'signalement', champs: Readonly<Record<string, string>>): Record<string, string> {
  const hidden = new Set([programme.personnesARisque?.champCanalSur, programme.personnesARisque?.champValeurCanalSur]);
  const allowed: readonly string[] = origine === 'paquet' ? programme.donnees.champsMaximum : (programme.donnees.champsListe ?? []).filter((f) => !hidden.has(f));
  const out: Record<string, string> = {};
  for (const f of allowed) if (champs[f] !== undefined) out[f] = champs[f];
  const risk = riskProfile(programme, champs);
  if (risk.atRisk) {
    out.risque_violence = 'oui';
    delete out.adresse;
    delete out.adresse_ligne;
    delete out.adresse_complement;
    for (const [channel, column] of Object.entries(programme.personnesARisque?.canaux ?? {})) {
      if (channel === risk.safeChannel && risk.safeValue) out[column] = risk.safeValue;
      else delete out[column];
    }
  }
  return out;
}
