import { useEffect, useRef, useState, type FormEvent } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { RadioButtons } from '@codegouvfr/react-dsfr/RadioButtons';
import { messageErreur } from '../api/client';
import { AccessDenied } from '../components/AccessDenied';
import { useCompte, useSession } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { useListeParcours } from './api';
import { useEvaluation } from './useEvaluation';
import { CommuneField, QuestionField } from './Field';
import { Contacts, dateLongue } from './display';
import { OfferList, offersSummary } from './Offers';
import { DownloadButton } from './DownloadButton';
import { COMMUNE, normaliserCodePostal, preparerReponses, questionsApplicables, verifierReponse } from './questions';
import type { Branche, Parcours, Reponses, ResultatOrientation, Valeur } from './types';

const PREFIXE = 'entretien';

function offresDeLaBranche(branche: Branche | null): string {
  if (branche === 'caf') return 'de la Caf';
  if (branche === 'assurance_maladie') return "de l'Assurance Maladie";
  if (branche === 'carsat') return 'de la Carsat';
  return 'de votre branche';
}

/**
 * /orientation/entretien: the agent's interview mode (Caf social worker's separation appointment, CPAM front
 * office…). All the questions on one page, the offers of both branches (the agent's own first), the interview sheet
 * and the person's check-list as PDF. Nothing typed here is stored.
 */
export function InterviewPage() {
  const compte = useCompte();
  const { data: session } = useSession();
  const liste = useListeParcours();
  if (!compte) return null;
  if (!compte.roles.includes('agent')) {
    return (
      <AccessDenied
        account={compte}
        who="aux agents d'accompagnement"
        description={(roles) => `Votre compte (${roles}) ne permet pas de préparer une check-list d'entretien. Le parcours public reste accessible à tous.`}
        back={{ to: '/orientation', label: 'Voir le parcours public' }}
      />
    );
  }
  return (
    <>
      <PageHeader title="Check-list d'entretien" />
      <p className={fr.cx('fr-text--lead', 'fr-mb-2w')}>
        Pour un rendez-vous avec une personne (séparation avec le travailleur social de la Caf, accueil de la CPAM,
        conseiller MisAS ou CES…) : posez les questions avec elle, puis imprimez ou remettez la fiche.
      </p>
      <p className={fr.cx('fr-text--sm', 'fr-mb-4w')}>
        <span className={fr.cx('fr-icon-lock-line', 'fr-icon--sm', 'fr-mr-1v')} aria-hidden="true" />
        Rien de ce que vous saisissez n'est enregistré. Seule la production d'une fiche d'entretien est tracée (qui, quand,
        quelle situation), sans les réponses ni l'identité de la personne.
      </p>
      {liste.isPending ? <Loading texte="Chargement des questions…" /> : null}
      {liste.isError ? <Alert severity="error" as="h2" title="Les questions n'ont pas pu être chargées" description={messageErreur(liste.error)} /> : null}
      {liste.isSuccess ? (
        <Entretien parcoursListe={liste.data.parcours} brancheAgent={session?.brancheOffres ?? null} organisation={compte.organisation.nom} />
      ) : null}
    </>
  );
}

function Entretien({ parcoursListe, brancheAgent, organisation }: { parcoursListe: Parcours[]; brancheAgent: Branche | null; organisation: string }) {
  const [parcoursId, setParcoursId] = useState<string | null>(null);
  const { reponses, setReponses, erreurs, setErreurs, communes, setCommunes, resultat, setResultat, envoiEnCours, erreurEnvoi, setErreurEnvoi, evaluer } =
    useEvaluation();
  const formulaireRef = useRef<HTMLFormElement>(null);
  const resultatRef = useRef<HTMLHeadingElement>(null);
  const focaliserResultat = useRef(false);

  useEffect(() => {
    if (resultat && focaliserResultat.current) {
      focaliserResultat.current = false;
      resultatRef.current?.focus();
    }
  }, [resultat]);

  const parcours = parcoursListe.find((p) => p.id === parcoursId) ?? null;
  const questions = parcours ? questionsApplicables(parcours, reponses) : [];

  function choisirParcours(id: string) {
    setParcoursId(id);
    setReponses({});
    setErreurs({});
    setCommunes(null);
    setResultat(null);
    setErreurEnvoi(null);
  }

  function repondre(cle: string, valeur: Valeur) {
    setReponses((avant) => {
      const apres: Reponses = { ...avant, [cle]: valeur };
      if (cle === 'codePostal') delete apres[COMMUNE];
      return apres;
    });
    if (cle === 'codePostal' && normaliserCodePostal(String(valeur)) !== normaliserCodePostal(String(reponses.codePostal ?? ''))) {
      setCommunes(null);
    }
    setErreurs(({ [cle]: _retiree, ...reste }) => reste);
    setResultat(null);
  }

  // Focus moves after React has committed the fields in error (a frame may come before the commit under load).
  const focaliserErreur = useRef(false);
  useEffect(() => {
    if (!focaliserErreur.current) return;
    focaliserErreur.current = false;
    formulaireRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], .fr-fieldset--error input, .fr-input-group--error input, .fr-select-group--error select')?.focus();
  }, [erreurs, communes]);

  function focaliserPremiereErreur() {
    focaliserErreur.current = true;
  }

  async function afficher(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!parcours || envoiEnCours) return;
    const locales: Record<string, string> = {};
    for (const question of questions) {
      const message = verifierReponse(question, reponses[question.id]);
      if (message) locales[question.id] = message;
    }
    if (communes && !communes.some((c) => c.code === reponses[COMMUNE])) locales[COMMUNE] = 'Choisissez la commune dans la liste.';
    if (Object.keys(locales).length > 0) {
      setErreurs(locales);
      focaliserPremiereErreur();
      return;
    }
    await evaluer(parcours, {
      surResultat: () => {
        focaliserResultat.current = true;
      },
      surCommunes: (message) => {
        setErreurs({ [COMMUNE]: message });
        focaliserPremiereErreur();
      },
      surChamps: (champs) => {
        if (Object.keys(champs).length === 0) return false;
        setErreurs(champs);
        focaliserPremiereErreur();
        return true;
      },
    });
  }

  const reponsesEnvoyees = parcours ? preparerReponses(parcours, reponses) : {};

  return (
    <>
      <form ref={formulaireRef} method="post" noValidate onSubmit={afficher} aria-labelledby="titre-situation" className={fr.cx('fr-mb-6w')}>
        <h2 id="titre-situation" className={fr.cx('fr-h4')}>
          Situation de la personne
        </h2>
        <RadioButtons
          legend="Pour quel événement de vie ?"
          name={`${PREFIXE}-parcours`}
          orientation="horizontal"
          options={parcoursListe.map((p) => ({
            label: p.titre,
            nativeInputProps: {
              value: p.id,
              checked: parcoursId === p.id,
              onChange: () => choisirParcours(p.id),
            },
          }))}
        />
        {parcours ? (
          <>
            <h3 className={fr.cx('fr-h6', 'fr-mt-2w')}>Questions à poser</h3>
            {questions.map((question) => (
              <div key={question.id} className={fr.cx('fr-mb-2w')}>
                <QuestionField
                  question={question}
                  valeur={reponses[question.id]}
                  onChange={(valeur) => repondre(question.id, valeur)}
                  erreur={erreurs[question.id]}
                  idPrefixe={PREFIXE}
                />
                {question.id === 'codePostal' && communes ? (
                  <CommuneField
                    communes={communes}
                    codePostal={normaliserCodePostal(String(reponses.codePostal ?? ''))}
                    valeur={typeof reponses[COMMUNE] === 'string' ? (reponses[COMMUNE] as string) : undefined}
                    onChange={(code) => repondre(COMMUNE, code)}
                    erreur={erreurs[COMMUNE]}
                    idPrefixe={PREFIXE}
                  />
                ) : null}
              </div>
            ))}
            {erreurEnvoi ? <Alert severity="error" title="Les offres n'ont pas pu être affichées" description={erreurEnvoi} className={fr.cx('fr-mb-2w')} /> : null}
            <Button type="submit" iconId="fr-icon-search-line">
              Afficher les offres
            </Button>
            {envoiEnCours ? <Loading texte="Recherche des offres…" /> : null}
          </>
        ) : null}
      </form>

      {parcours && resultat ? (
        <section aria-labelledby="titre-offres-entretien">
          <h2 id="titre-offres-entretien" ref={resultatRef} tabIndex={-1} className={fr.cx('fr-h3')}>
            Offres pour cette situation
          </h2>
          <p className={fr.cx('fr-mb-2w')}>
            « {parcours.titre} », commune de {resultat.commune.nom} ({resultat.commune.departement.nom}). {offersSummary(resultat)}
          </p>
          <div className={fr.cx('fr-mb-4w')}>
            <div style={{ display: 'flex', flexWrap: 'wrap', columnGap: '1.5rem' }}>
              <DownloadButton
                parcours={parcours.id}
                reponses={reponsesEnvoyees}
                type="entretien"
                libelle="Fiche d'entretien (PDF)"
              />
              <DownloadButton
                parcours={parcours.id}
                reponses={reponsesEnvoyees}
                type="checklist"
                libelle="Liste à remettre à la personne (PDF)"
                priorite="secondary"
              />
            </div>
            <p className={fr.cx('fr-text--sm', 'fr-mb-0')}>
              La fiche d'entretien présente d'abord les offres {offresDeLaBranche(brancheAgent)}, puis celles de l'autre
              branche, des cases à cocher et les orientations ; elle porte le nom de {organisation}, jamais celui de la
              personne.
            </p>
          </div>
          <h3 className={fr.cx('fr-h4')}>Organismes de la personne</h3>
          <Contacts contacts={resultat.contacts} titreNiveau="h4" />
          <ListeOffresEntretien resultat={resultat} brancheAgent={brancheAgent} />
          <p className={fr.cx('fr-text--sm')}>
            Établi le {dateLongue(resultat.date)}, catalogue des offres version {resultat.catalogue.version}. {resultat.avertissement}
          </p>
        </section>
      ) : null}
    </>
  );
}

function ListeOffresEntretien({ resultat, brancheAgent }: { resultat: ResultatOrientation; brancheAgent: Branche | null }) {
  return <OfferList resultat={resultat} regroupement="branche" brancheEnPremier={brancheAgent} public="agent" niveau={3} />;
}
