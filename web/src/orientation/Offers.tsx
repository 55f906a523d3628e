import { useState } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Accordion } from '@codegouvfr/react-dsfr/Accordion';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { BadgeBranche, BadgeNature, LIBELLES_BRANCHE, LIBELLES_ETAPE, LienExterne, MontantIndicatif, ORDRE_BRANCHES, ORDRE_ETAPES } from './display';
import type { Branche, Offre, ResultatOrientation } from './types';

export type Public = 'citoyen' | 'agent';

type Niveau = 2 | 3;

function ContenuOffre({ offre, public: pour, niveau }: { offre: Offre; public: Public; niveau: Niveau }) {
  const Intertitre = niveau === 2 ? 'h4' : 'h5';
  return (
    <div data-offre-contenu={offre.id}>
      <p className={fr.cx('fr-text--sm', 'fr-mb-2w')} style={{ color: 'var(--text-mention-grey)' }}>
        {offre.organisme}
      </p>
      <p>{offre.description}</p>
      <Intertitre className={fr.cx('fr-h6', 'fr-mb-1w')}>
        {pour === 'agent' ? 'Pourquoi cela concerne la personne' : 'Pourquoi cela vous concerne'}
      </Intertitre>
      <p>{offre.pourquoi}</p>
      {offre.demarches.length > 0 ? (
        <>
          <Intertitre className={fr.cx('fr-h6', 'fr-mb-1w')}>
            {pour === 'agent' ? 'Ce que la personne doit faire' : 'Ce que vous devez faire'}
          </Intertitre>
          <ol className={fr.cx('fr-mb-3w')}>
            {offre.demarches.map((demarche) => (
              <li key={demarche}>{demarche}</li>
            ))}
          </ol>
        </>
      ) : null}
      {offre.montants.map((montant) => (
        <MontantIndicatif key={montant.parametre} montant={montant} />
      ))}
      <p className={fr.cx('fr-mb-1w')}>
        Lien officiel : <LienExterne url={offre.lien.url}>{offre.lien.libelle}</LienExterne>
      </p>
      {!offre.checklist ? (
        <p className={fr.cx('fr-text--xs', 'fr-mb-0')}>
          Par discrétion, cette information n'est pas reprise sur la liste à imprimer.
        </p>
      ) : null}
    </div>
  );
}

function LibelleOffre({ offre, brancheLibelle }: { offre: Offre; brancheLibelle: string }) {
  return (
    <span style={{ display: 'flex', flexDirection: 'column', gap: '0.25rem', alignItems: 'flex-start' }}>
      <span>{offre.titre}</span>
      <span style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        <BadgeBranche branche={offre.branche} libelle={brancheLibelle} />
        <BadgeNature nature={offre.nature} />
        {offre.montants.length > 0 ? (
          <span className={fr.cx('fr-text--xs', 'fr-mb-0')} style={{ fontWeight: 400 }}>
            avec un montant indicatif
          </span>
        ) : null}
      </span>
    </span>
  );
}

interface Groupe {
  cle: string;
  titre: string;
  offres: Offre[];
}

function grouper(resultat: ResultatOrientation, regroupement: 'etape' | 'branche', brancheEnPremier: Branche | null): Groupe[] {
  if (regroupement === 'etape') {
    return ORDRE_ETAPES.map((etape) => ({
      cle: etape,
      titre: resultat.libelles?.etapes?.[etape] ?? LIBELLES_ETAPE[etape],
      offres: resultat.offres.filter((offre) => offre.etape === etape),
    })).filter((groupe) => groupe.offres.length > 0);
  }
  const ordre = brancheEnPremier ? [brancheEnPremier, ...ORDRE_BRANCHES.filter((b) => b !== brancheEnPremier)] : [...ORDRE_BRANCHES];
  const presentes = ordre.filter((branche) => resultat.offres.some((offre) => offre.branche === branche));
  const autres = presentes.filter((branche) => branche !== brancheEnPremier).length;
  return presentes.map((branche) => {
    const libelle = resultat.libelles?.branches?.[branche] ?? LIBELLES_BRANCHE[branche];
    return {
      cle: branche,
      titre:
        brancheEnPremier === null
          ? `Offres ${branche === 'assurance_maladie' ? "de l'" : 'de la '}${libelle}`
          : branche === brancheEnPremier
            ? `Offres de votre branche : ${libelle}`
            : `Offres ${autres > 1 ? "d'une autre branche" : "de l'autre branche"} : ${libelle}`,
      offres: resultat.offres.filter((offre) => offre.branche === branche),
    };
  });
}

/**
 * The offers of an orientation, as accordions (one per offer), grouped by step (citizen: in the order to act) or by
 * branch (agent: their own branch first). Headings: h2 (or h3, `niveau`) per group, one level below per offer.
 */
export function OfferList({
  resultat,
  regroupement,
  brancheEnPremier = null,
  public: pour,
  niveau = 2,
}: {
  resultat: ResultatOrientation;
  regroupement: 'etape' | 'branche';
  brancheEnPremier?: Branche | null;
  public: Public;
  niveau?: Niveau;
}) {
  const TitreGroupe = niveau === 2 ? 'h2' : 'h3';
  const [ouvertes, setOuvertes] = useState<ReadonlySet<string>>(() => new Set());
  const toutOuvert = resultat.offres.every((offre) => ouvertes.has(offre.id));
  const groupes = grouper(resultat, regroupement, brancheEnPremier);

  return (
    <div>
      <div className={fr.cx('fr-mb-2w')} style={{ display: 'flex', justifyContent: 'flex-end' }}>
        <Button
          type="button"
          priority="tertiary"
          size="small"
          iconId={toutOuvert ? 'fr-icon-arrow-up-s-line' : 'fr-icon-arrow-down-s-line'}
          onClick={() => setOuvertes(toutOuvert ? new Set() : new Set(resultat.offres.map((offre) => offre.id)))}
        >
          {toutOuvert ? 'Replier tous les détails' : 'Déplier tous les détails'}
        </Button>
      </div>
      {groupes.map((groupe) => (
        <section key={groupe.cle} aria-labelledby={`groupe-${groupe.cle}`} className={fr.cx('fr-mb-5w')} data-groupe={groupe.cle}>
          <TitreGroupe id={`groupe-${groupe.cle}`} className={fr.cx('fr-h4')}>
            {groupe.titre}
          </TitreGroupe>
          <div className={fr.cx('fr-accordions-group')} data-fr-group="false">
            {groupe.offres.map((offre) => (
              <Accordion
                key={offre.id}
                id={`offre-${offre.id}`}
                titleAs={niveau === 2 ? 'h3' : 'h4'}
                data-offre={offre.id}
                data-branche={offre.branche}
                label={<LibelleOffre offre={offre} brancheLibelle={resultat.libelles?.branches?.[offre.branche] ?? LIBELLES_BRANCHE[offre.branche]} />}
                expanded={ouvertes.has(offre.id)}
                onExpandedChange={(ouvert) =>
                  setOuvertes((avant) => {
                    const apres = new Set(avant);
                    if (ouvert) apres.add(offre.id);
                    else apres.delete(offre.id);
                    return apres;
                  })
                }
              >
                <ContenuOffre offre={offre} public={pour} niveau={niveau} />
              </Accordion>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

/** "17 pistes : 9 à la Caf, 8 à l'Assurance Maladie." */
export function offersSummary(resultat: ResultatOrientation): string {
  const parBranche = ORDRE_BRANCHES.map((branche) => ({
    branche,
    nombre: resultat.offres.filter((offre) => offre.branche === branche).length,
  })).filter((x) => x.nombre > 0);
  const morceaux = parBranche.map(({ branche, nombre }) =>
    branche === 'assurance_maladie' ? `${nombre} à l'Assurance Maladie` : `${nombre} à la ${LIBELLES_BRANCHE[branche]}`,
  );
  const total = resultat.offres.length;
  return `${total} ${total > 1 ? 'droits, services ou démarches' : 'droit, service ou démarche'} : ${morceaux.join(', ')}.`;
}
