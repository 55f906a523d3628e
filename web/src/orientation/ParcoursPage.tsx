import { useEffect, useRef, type FormEvent } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Breadcrumb } from '@codegouvfr/react-dsfr/Breadcrumb';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Stepper } from '@codegouvfr/react-dsfr/Stepper';
import { messageErreur } from '../api/client';
import { PageTitle } from '../components/PageTitle';
import { Loading } from '../components/Loading';
import { useListeParcours } from './api';
import { useEvaluation } from './useEvaluation';
import { CommuneField, QuestionField } from './Field';
import { Contacts, dateLongue } from './display';
import { OfferList, offersSummary } from './Offers';
import { DownloadButton } from './DownloadButton';
import { COMMUNE, normaliserCodePostal, preparerReponses, questionsDesEtapes, titreCourt, verifierReponse } from './questions';
import type { Parcours, Reponses, Valeur } from './types';

/**
 * Where the citizen is, kept in the browser history *state* (never in the URL) so that the browser's Back button
 * goes to the previous question: only a question id, never an answer.
 */
interface Position {
  etape?: string;
  resultat?: boolean;
  /** The step of the history entry just before this one, when it was pushed by "Suivant". */
  precedente?: string;
}

const PREFIXE = 'orientation';

function AvisConfidentialite() {
  return (
    <p className={fr.cx('fr-text--sm', 'fr-mt-4w', 'fr-mb-0')}>
      <span className={fr.cx('fr-icon-lock-line', 'fr-icon--sm', 'fr-mr-1v')} aria-hidden="true" />
      Vos réponses ne sont pas enregistrées : elles servent seulement à afficher votre résultat et s'effacent dès que
      vous quittez cette page.
    </p>
  );
}

function FilAriane({ titre }: { titre: string }) {
  return (
    <Breadcrumb
      homeLinkProps={{ to: '/' }}
      segments={[{ label: 'Vos droits selon votre situation', linkProps: { to: '/orientation' } }]}
      currentPageLabel={titre}
      className={fr.cx('fr-mt-0', 'fr-mb-3w')}
    />
  );
}

export function ParcoursPage() {
  const { parcours: id = '' } = useParams();
  const liste = useListeParcours();
  if (liste.isPending) return <Loading texte="Chargement des questions…" />;
  if (liste.isError) {
    return (
      <>
        <PageTitle titre="Service indisponible" />
        <Alert severity="error" as="h2" title="Les questions n'ont pas pu être chargées" description={messageErreur(liste.error)} />
      </>
    );
  }
  const parcours = liste.data.parcours.find((p) => p.id === id);
  if (!parcours) {
    return (
      <>
        <PageTitle titre="Situation introuvable" />
        <p>Cette page ne correspond à aucune des situations proposées.</p>
        <Button linkProps={{ to: '/orientation' }}>Choisir votre situation</Button>
      </>
    );
  }
  return <Questionnaire key={parcours.id} parcours={parcours} />;
}

function Questionnaire({ parcours }: { parcours: Parcours }) {
  const location = useLocation();
  const navigate = useNavigate();
  const position = (location.state ?? null) as Position | null;

  // Everything the citizen answers lives here, in memory, and nowhere else.
  const { reponses, setReponses, erreurs, setErreurs, communes, setCommunes, resultat, setResultat, envoiEnCours, erreurEnvoi, evaluer } =
    useEvaluation();

  const stepperRef = useRef<HTMLDivElement>(null);
  const formulaireRef = useRef<HTMLFormElement>(null);
  const resultatRef = useRef<HTMLDivElement>(null);
  const focusDemande = useRef<'titre' | 'champ' | null>(null);
  const premierRendu = useRef(true);

  const questions = questionsDesEtapes(parcours, reponses);
  const etapes = [...questions.map((q) => q.id), ...(communes ? [COMMUNE] : [])];

  function messageEtape(idEtape: string): string | null {
    if (idEtape === COMMUNE) {
      return communes?.some((c) => c.code === reponses[COMMUNE]) ? null : 'Choisissez votre commune dans la liste.';
    }
    const question = questions.find((q) => q.id === idEtape);
    return question ? verifierReponse(question, reponses[question.id]) : null;
  }

  const premiereIncomplete = etapes.findIndex((idEtape) => messageEtape(idEtape) !== null);
  const afficherResultat = position?.resultat === true && resultat !== null;
  let index = position?.etape ? etapes.indexOf(position.etape) : position?.resultat ? -1 : 0;
  if (index === -1) index = premiereIncomplete === -1 ? etapes.length - 1 : premiereIncomplete;
  // A step can only be shown once the earlier ones are answered (after a reload, nothing is remembered).
  if (premiereIncomplete !== -1 && index > premiereIncomplete) index = premiereIncomplete;
  const idEtape = etapes[index]!;
  const question = questions.find((q) => q.id === idEtape) ?? null;
  const derniere = index === etapes.length - 1;
  const cleVue = afficherResultat ? 'resultat' : idEtape;
  const nombreErreurs = Object.keys(erreurs).length;

  // Focus: the step title after a step change, the field in error, or the result's h1.
  useEffect(() => {
    if (premierRendu.current) {
      premierRendu.current = false;
      return;
    }
    const demande = focusDemande.current;
    focusDemande.current = null;
    if (cleVue === 'resultat') {
      resultatRef.current?.querySelector<HTMLElement>('h1')?.focus();
    } else if (demande === 'champ') {
      focaliserChamp();
    } else {
      const titre = stepperRef.current?.querySelector<HTMLElement>('h2');
      if (titre) {
        titre.tabIndex = -1;
        titre.focus();
      }
    }
  }, [cleVue]);

  useEffect(() => {
    document.title = afficherResultat
      ? `Vos droits et démarches – ${parcours.titre} – Passerelle`
      : `${nombreErreurs > 0 && erreurs[idEtape] ? 'Erreur – ' : ''}${titreCourt(question ?? { id: COMMUNE, libelle: 'Votre commune' })} (étape ${index + 1} sur ${etapes.length}) – ${parcours.titre} – Passerelle`;
  });

  function focaliserChamp() {
    requestAnimationFrame(() => {
      const formulaire = formulaireRef.current;
      const champ =
        formulaire?.querySelector<HTMLElement>('input:checked') ??
        formulaire?.querySelector<HTMLElement>('input, select');
      champ?.focus();
    });
  }

  function repondre(cle: string, valeur: Valeur) {
    setReponses((avant) => {
      const apres: Reponses = { ...avant, [cle]: valeur };
      if (cle === 'codePostal' && normaliserCodePostal(String(valeur)) !== normaliserCodePostal(String(avant.codePostal ?? ''))) {
        delete apres[COMMUNE];
      }
      return apres;
    });
    if (cle === 'codePostal' && normaliserCodePostal(String(valeur)) !== normaliserCodePostal(String(reponses.codePostal ?? ''))) {
      setCommunes(null);
    }
    setErreurs((avant) => {
      if (!(cle in avant)) return avant;
      const { [cle]: _retiree, ...reste } = avant;
      return reste;
    });
    // The result no longer matches the answers.
    setResultat(null);
  }

  function aller(etape: string, options: { focus?: 'titre' | 'champ'; depuis?: string; remplacer?: boolean } = {}) {
    focusDemande.current = options.focus ?? 'titre';
    navigate(location.pathname, {
      state: { etape, ...(options.depuis ? { precedente: options.depuis } : {}) } satisfies Position,
      replace: options.remplacer ?? false,
    });
  }

  function precedent() {
    const avant = etapes[index - 1];
    if (!avant) return;
    if (position?.precedente === avant) navigate(-1);
    else aller(avant, { remplacer: true });
  }

  async function envoyer() {
    if (envoiEnCours) return;
    await evaluer(parcours, {
      surResultat: () => navigate(location.pathname, { state: { resultat: true, precedente: idEtape } satisfies Position }),
      surCommunes: (message) => {
        const dejaChoisie = typeof reponses[COMMUNE] === 'string' && reponses[COMMUNE] !== '';
        if (dejaChoisie) {
          setErreurs((avant) => ({ ...avant, [COMMUNE]: message }));
          setReponses(({ [COMMUNE]: _retiree, ...reste }) => reste);
        }
        if (idEtape !== COMMUNE) aller(COMMUNE, { depuis: idEtape });
        else focaliserChamp();
      },
      surChamps: (champs) => {
        const enErreur = etapes.find((e) => champs[e]);
        if (!enErreur) return false;
        setErreurs(champs);
        if (enErreur === idEtape) focaliserChamp();
        else aller(enErreur, { focus: 'champ', remplacer: true });
        return true;
      },
    });
  }

  function suivant(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const message = messageEtape(idEtape);
    if (message) {
      setErreurs((avant) => ({ ...avant, [idEtape]: message }));
      focaliserChamp();
      return;
    }
    const prochaine = etapes[index + 1];
    if (prochaine) aller(prochaine, { depuis: idEtape });
    else void envoyer();
  }

  function modifier() {
    const derniereEtape = etapes[etapes.length - 1]!;
    if (position?.precedente === derniereEtape) navigate(-1);
    else aller(derniereEtape, { remplacer: true });
  }

  function recommencer() {
    setReponses({});
    setErreurs({});
    setCommunes(null);
    setResultat(null);
    aller(parcours.questions[0]!.id);
  }

  if (afficherResultat && resultat) {
    const reponsesEnvoyees = preparerReponses(parcours, reponses);
    return (
      <div ref={resultatRef}>
        <FilAriane titre={parcours.titre} />
        <PageTitle titre="Vos droits et démarches" className={fr.cx('fr-mb-2w')} />
        <p className={fr.cx('fr-text--lead', 'fr-mb-2w')}>
          Situation « {parcours.titre} », commune de {resultat.commune.nom} ({resultat.commune.departement.nom}).
        </p>
        <p>{offersSummary(resultat)} Chaque piste indique pourquoi elle vous concerne, ce qu'il faut faire et le lien officiel.</p>
        <Alert severity="info" small description={resultat.avertissement} className={fr.cx('fr-mb-4w')} />

        <div className={fr.cx('fr-mb-4w')}>
          <DownloadButton
            parcours={parcours.id}
            reponses={reponsesEnvoyees}
            type="checklist"
            libelle="Télécharger la liste de mes démarches (PDF)"
          />
          <ul className={fr.cx('fr-btns-group', 'fr-btns-group--inline-sm', 'fr-btns-group--icon-left', 'fr-mt-2w')}>
            <li>
              <Button type="button" priority="secondary" iconId="fr-icon-edit-line" onClick={modifier}>
                Modifier mes réponses
              </Button>
            </li>
            <li>
              <Button type="button" priority="tertiary" iconId="fr-icon-refresh-line" onClick={recommencer}>
                Recommencer
              </Button>
            </li>
          </ul>
        </div>

        <section aria-labelledby="titre-organismes" className={fr.cx('fr-mb-5w')}>
          <h2 id="titre-organismes" className={fr.cx('fr-h4')}>
            Vos organismes à {resultat.commune.nom}
          </h2>
          <Contacts contacts={resultat.contacts} />
        </section>

        <OfferList resultat={resultat} regroupement="etape" public="citoyen" />

        <p className={fr.cx('fr-text--sm')}>
          Résultat établi le {dateLongue(resultat.date)} à partir du catalogue des offres (version {resultat.catalogue.version}).
        </p>
        <AvisConfidentialite />
      </div>
    );
  }

  const communeChoisie = typeof reponses[COMMUNE] === 'string' ? (reponses[COMMUNE] as string) : undefined;

  return (
    <div className={fr.cx('fr-grid-row')}>
      <div className={fr.cx('fr-col-12', 'fr-col-md-10', 'fr-col-lg-8')}>
        <FilAriane titre={parcours.titre} />
        <PageTitle titre={parcours.titre} className={fr.cx('fr-mb-2w')} />
        <p className={fr.cx('fr-mb-4w')}>{parcours.description}</p>

        <Stepper
          ref={stepperRef}
          currentStep={index + 1}
          stepCount={etapes.length}
          title={question ? titreCourt(question) : titreCourt({ id: COMMUNE, libelle: 'Votre commune' })}
          nextTitle={
            etapes[index + 1]
              ? titreCourt(questions.find((q) => q.id === etapes[index + 1]) ?? { id: COMMUNE, libelle: 'Votre commune' })
              : undefined
          }
        />

        {erreurEnvoi ? (
          <Alert severity="error" title="Votre résultat n'a pas pu être affiché" description={erreurEnvoi} className={fr.cx('fr-mb-3w')} />
        ) : null}

        <form ref={formulaireRef} method="post" noValidate onSubmit={suivant} aria-label={`Question ${index + 1} sur ${etapes.length}`}>
          {question ? (
            <QuestionField
              key={question.id}
              question={question}
              valeur={reponses[question.id]}
              onChange={(valeur) => repondre(question.id, valeur)}
              erreur={erreurs[question.id]}
              idPrefixe={PREFIXE}
              grand
            />
          ) : communes ? (
            <CommuneField
              communes={communes}
              codePostal={normaliserCodePostal(String(reponses.codePostal ?? ''))}
              valeur={communeChoisie}
              onChange={(code) => repondre(COMMUNE, code)}
              erreur={erreurs[COMMUNE]}
              idPrefixe={PREFIXE}
              grand
            />
          ) : null}

          <div className={fr.cx('fr-mt-4w')} style={{ display: 'flex', flexWrap: 'wrap', gap: '1rem' }}>
            {index > 0 ? (
              <Button type="button" priority="secondary" iconId="fr-icon-arrow-left-line" onClick={precedent}>
                Précédent
              </Button>
            ) : null}
            <Button type="submit" iconId={derniere ? 'fr-icon-check-line' : 'fr-icon-arrow-right-line'} iconPosition="right">
              {derniere ? 'Voir mes droits et démarches' : 'Suivant'}
            </Button>
          </div>
          {envoiEnCours ? <Loading texte="Recherche de vos droits et démarches…" /> : null}
        </form>

        {index === 0 ? (
          <p className={fr.cx('fr-mt-2w')}>
            <Button priority="tertiary no outline" size="small" iconId="fr-icon-arrow-go-back-line" linkProps={{ to: '/orientation' }}>
              Choisir une autre situation
            </Button>
          </p>
        ) : null}
        <AvisConfidentialite />
      </div>
    </div>
  );
}
