import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { CallOut } from '@codegouvfr/react-dsfr/CallOut';
import { Tile } from '@codegouvfr/react-dsfr/Tile';
import { messageErreur } from '../api/client';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { useListeParcours } from './api';
import type { Parcours } from './types';

function nombreDeQuestions(parcours: Parcours): string {
  const toujours = parcours.questions.filter((q) => !q.siReponse).length;
  const total = parcours.questions.length;
  return toujours === total ? `${total} questions` : `${toujours} ou ${total} questions`;
}

/** /orientation: the citizen picks their situation (public page, no sign-in). */
export function ParcoursChoicePage() {
  const liste = useListeParcours();
  return (
    <>
      <PageHeader title="Vos droits et démarches selon votre situation" crumb="Vos droits selon votre situation" />
      <p className={fr.cx('fr-text--lead', 'fr-mb-4w')}>
        Répondez à quelques questions : vous saurez quelles aides demander à la Caf et à l'Assurance Maladie, pourquoi
        elles vous concernent, quoi faire, et qui contacter près de chez vous.
      </p>

      <h2 className={fr.cx('fr-h4')}>Quelle est votre situation ?</h2>
      {liste.isPending ? <Loading texte="Chargement des situations…" /> : null}
      {liste.isError ? (
        <Alert severity="error" title="Les situations n'ont pas pu être chargées" description={messageErreur(liste.error)} />
      ) : null}
      {liste.isSuccess ? (
        <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-mb-4w')} style={{ listStyle: 'none', paddingLeft: 0 }}>
          {liste.data.parcours.map((parcours) => (
            <li key={parcours.id} className={fr.cx('fr-col-12', 'fr-col-md-4')} data-parcours={parcours.id}>
              <Tile
                title={parcours.titre}
                titleAs="h3"
                desc={parcours.description}
                detail={`${nombreDeQuestions(parcours)}, environ 2 minutes`}
                linkProps={{ to: `/orientation/${parcours.id}` }}
                enlargeLinkOrButton
                orientation="vertical"
                style={{ height: '100%' }}
              />
            </li>
          ))}
        </ul>
      ) : null}

      <CallOut title="Vos réponses restent confidentielles" titleAs="h2" iconId="fr-icon-lock-line">
        Aucune réponse n'est enregistrée ni conservée, et aucune ne figure dans l'adresse de la page. Vous n'avez pas
        besoin de compte. Le résultat est indicatif : chaque organisme étudie vos droits au moment de votre demande.
      </CallOut>
    </>
  );
}
