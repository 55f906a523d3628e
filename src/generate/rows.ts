/** Turns one synthetic person into the rows of every extract they belong to (pure). */
import { civilFromDays, daysFromCivil, isoDate } from '../shared/calendar.ts';
import type { ExtractKind, ExtractRow, OuiNon } from '../extracts/index.ts';
import type { DepartementGeo } from './geography.ts';
import type { Person } from './population.ts';

export interface RowSink {
  push<K extends ExtractKind>(kind: K, row: ExtractRow<K>): void;
}

const on = (b: boolean): OuiNon => (b ? 'oui' : 'non');
const euros = (n: number): string => n.toFixed(2).replace('.', ',');
const date = (d: number | null): string => (d === null ? '' : isoDate(d));
const decimal = (n: number): string => String(n).replace('.', ',');
/** Last day of the month `months` after the month of day `d` (days since 1970-01-01). */
function monthEnd(d: number, months: number): number {
  const { y, m } = civilFromDays(d);
  const index = y * 12 + (m - 1) + months + 1; // the month after, counted from year 0
  return daysFromCivil(Math.floor(index / 12), (index % 12) + 1, 1) - 1;
}

export function writePerson(p: Person, dept: DepartementGeo, sink: RowSink): void {
  const identite = {
    nir: p.nir,
    nom: p.nom,
    prenom: p.prenom,
    sexe: p.sexe,
    date_naissance: isoDate(p.birthDay),
  };
  const adresse = {
    adresse_ligne: p.adresse.ligne,
    adresse_complement: p.adresse.complement,
    code_postal: p.adresse.codePostal,
    code_commune: p.adresse.codeCommune,
    commune: p.adresse.commune,
  };
  const a = p.allocataire;
  if (a) {
    sink.push('caf_allocataires', {
      departement_caf: dept.code,
      numero_allocataire: a.numero,
      ...identite,
      situation_familiale: a.foyer.situation,
      configuration_foyer: a.foyer.configuration,
      nombre_enfants_a_charge: String(a.foyer.enfants),
      age_plus_jeune_enfant: a.foyer.agePlusJeune === null ? '' : String(a.foyer.agePlusJeune),
      ...adresse,
      email: p.contacts.email,
      telephone: p.contacts.telephone,
      autorisation_contact_email: on(a.autorisationEmail),
      autorisation_contact_telephone: on(a.autorisationTelephone),
      aide_logement: on(a.aideLogement !== null),
      montant_aide_logement: a.aideLogement === null ? '' : euros(a.aideLogement),
      rsa: on(a.rsa),
      prime_activite: on(a.primeActivite),
      asf: on(a.asf),
      aah: on(a.aah),
      ajpa: on(a.ajpa),
      ajpp: on(a.ajpp),
      risque_violence: on(a.risqueViolence),
      canal_sur: a.canalSur?.type ?? '',
      canal_sur_valeur: a.canalSur?.valeur ?? '',
    });
    const s = p.separation;
    if (s) {
      sink.push('caf_separations', {
        departement_caf: dept.code,
        numero_allocataire: a.numero,
        date_declaration: isoDate(s.dateDeclaration),
        date_separation: isoDate(s.dateSeparation),
        type_union: s.typeUnion,
        enfant_a_charge: on(s.nombreEnfants > 0),
        nombre_enfants: String(s.nombreEnfants),
        mode_garde: s.modeGarde ?? '',
        victime_violences: on(s.victimeViolences),
      });
      const observation = date(monthEnd(s.dateDeclaration, 4));
      for (const m of s.suivi) {
        sink.push('caf_suivi_separations', {
          departement_caf: dept.code,
          numero_allocataire: a.numero,
          date_declaration: isoDate(s.dateDeclaration),
          enfant_a_charge: on(s.nombreEnfants > 0),
          date_observation: observation,
          mouvement: m.mouvement,
          prestation: m.prestation ?? '',
          date_effet: date(m.dateEffet),
          montant: m.montant === null ? '' : euros(m.montant),
        });
      }
    }
    const d = p.demandeAidant;
    if (d) {
      sink.push('caf_ajpa_ajpp', {
        departement_caf: dept.code,
        numero_allocataire: a.numero,
        prestation: d.prestation,
        date_demande: isoDate(d.dateDemande),
        decision: d.decision,
        date_decision: date(d.dateDecision),
        lien_aide: d.lien,
        age_aide: String(d.ageAide),
        nombre_jours_demandes: String(d.jours),
      });
    }
  }
  if (p.assureRegimeGeneral) {
    sink.push('cpam_assures', {
      ...identite,
      ...adresse,
      email: p.contacts.email,
      telephone: p.contacts.telephone,
      complementaire: p.sante.complementaire,
      medecin_traitant: on(p.sante.medecinTraitant),
      ald: on(p.sante.ald),
      invalidite: on(p.sante.invalidite),
      nombre_ayants_droit: String(p.sante.ayantsDroit),
      ressources_annuelles: p.sante.ressources === null ? '' : euros(p.sante.ressources),
      coefficient_foyer_c2s: decimal(p.sante.coefficientC2s),
    });
    const inv = p.pensionInvalidite;
    if (inv) {
      sink.push('cpam_invalidite', {
        nir: p.nir,
        categorie_invalidite: inv.categorie,
        date_debut_pension_invalidite: isoDate(inv.debut),
        contrat_travail_maintenu: on(inv.contratMaintenu),
        arret_travail_en_cours: on(p.arret !== null && p.arret.fin === null),
      });
    }
    const t = p.arret;
    if (t) {
      sink.push('cpam_arrets_travail', {
        nir: p.nir,
        date_debut_arret: isoDate(t.debut),
        date_debut_indemnisation: isoDate(t.debutIndemnisation),
        date_fin_arret: date(t.fin),
        nature: t.nature,
        jours_indemnises: String(t.jours),
        ij_journaliere: euros(t.ij),
        contrat_travail_en_cours: on(t.contratEnCours),
      });
    }
    const m = p.maternite;
    if (m) {
      sink.push('cpam_sejours_maternite', {
        nir_mere: p.nir,
        nom: p.nom,
        prenom: p.prenom,
        date_naissance_mere: isoDate(p.birthDay),
        code_postal: p.adresse.codePostal,
        code_commune: p.adresse.codeCommune,
        finess_etablissement: m.etablissement.finess,
        etablissement: m.etablissement.nom,
        date_entree: isoDate(m.entree),
        date_accouchement: isoDate(m.accouchement),
        date_sortie: date(m.sortie),
        mode_accouchement: m.mode,
        nombre_enfants: String(m.enfants),
        eligible_prado: on(m.motifNonEligibilite === null),
        motif_non_eligibilite: m.motifNonEligibilite ?? '',
        telephone: p.contacts.telephone,
        chambre: m.chambre,
        date_sortie_prevue: isoDate(m.sortiePrevue),
        refus_visite: on(m.refusVisite),
      });
    }
  }
  const sig = p.signalement;
  if (sig) {
    const complementaire = p.sante.complementaire;
    sink.push('etablissements_signalements_sortie', {
      date_signalement: isoDate(sig.date),
      finess_etablissement: sig.etablissement.finess,
      etablissement: sig.etablissement.nom,
      ...identite,
      code_postal: p.adresse.codePostal,
      code_commune: p.adresse.codeCommune,
      commune: p.adresse.commune,
      telephone: p.contacts.telephone,
      date_entree: isoDate(sig.entree),
      date_sortie_prevue: isoDate(sig.sortiePrevue),
      ald: sig.ald,
      c2s: on(complementaire === 'c2s' || complementaire === 'c2s_participation'),
      minimum_social: sig.minimumSocial,
      sans_complementaire: on(complementaire === 'aucune'),
      difficulte_financement_soins: on(sig.difficulteFinancement),
      retraite: on(p.retraite !== null),
      gir: p.retraite ? String(p.retraite.gir) : '',
    });
  }
  const r = p.retraite;
  if (r) {
    sink.push('carsat_retraites', {
      ...identite,
      ...adresse,
      telephone: p.contacts.telephone,
      email: p.contacts.email,
      gir: String(r.gir),
      aspa: on(r.aspa),
      vit_seul: on(r.vitSeul),
    });
  }
}
