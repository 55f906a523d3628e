import { useState } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { messageErreur } from '../api/client';
import { Loading } from '../components/Loading';
import { PageTitle } from '../components/PageTitle';
import { oppositionView, recordOpposition, type OppositionView } from './api';

/** Public page of the link carried by every offer (e-mail or letter): the person objects to further contact. */
export function OppositionPage() {
  const { jeton = '' } = useParams();
  const query = useQuery({ queryKey: ['opposition', jeton], queryFn: () => oppositionView(jeton), retry: false });
  const [done, setDone] = useState<OppositionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setDone((await recordOpposition(jeton)).opposition);
    } catch (e) {
      setError(messageErreur(e));
    } finally {
      setBusy(false);
    }
  }

  if (query.isPending) return <Loading />;
  if (query.isError) {
    return (
      <>
        <PageTitle titre="Ne plus être contacté(e)" />
        <Alert as="h2" severity="error" title="Lien non reconnu" description={messageErreur(query.error)} />
        <p className={fr.cx('fr-mt-3w')}>Vous pouvez aussi appeler l'organisme qui vous a écrit : son numéro figure dans le message ou le courrier reçu.</p>
      </>
    );
  }
  const view = done ?? query.data.opposition;
  return (
    <>
      <PageTitle titre="Ne plus être contacté(e)" />
      {view.donneesDetruites ? (
        <Alert
          as="h2"
          severity="info"
          title="Cette démarche est terminée"
          description={`Les coordonnées que ${view.organisation} avait reçues pour la démarche « ${view.programmeTitre} » ont déjà été détruites : nous ne pouvons plus y rattacher votre demande. Si vous recevez un nouveau message pour cette démarche, son lien « ne plus être contacté(e) » sera pris en compte ; vous pouvez aussi appeler ${view.organisation}.`}
        />
      ) : view.dejaEnregistree ? (
        <Alert
          as="h2"
          severity="success"
          title="Votre demande est enregistrée"
          description={`${view.organisation} ne vous contactera plus (ni courriel, ni courrier, ni appel) pour la démarche « ${view.programmeTitre} ». Cela ne change rien à vos droits ni à vos prestations.`}
        />
      ) : (
        <>
          <p className={fr.cx('fr-text--lead')}>
            Vous avez reçu un message de <strong>{view.organisation}</strong> au sujet de la démarche « {view.programmeTitre} ».
          </p>
          <p>
            Si vous ne souhaitez plus être contacté(e) pour cette démarche, confirmez ci-dessous. Nous ne vous enverrons plus de courriel ni de
            courrier, et nous ne vous appellerons plus à ce sujet. Cela ne change rien à vos droits ni à vos prestations : vous pouvez toujours
            faire vos démarches vous-même.
          </p>
          <Button type="button" onClick={() => void confirm()} nativeButtonProps={{ 'aria-busy': busy ? true : undefined }}>
            Je ne souhaite plus être contacté(e)
          </Button>
          {error ? <Alert severity="error" small description={error} className={fr.cx('fr-mt-2w')} /> : null}
        </>
      )}
      <p className={fr.cx('fr-text--sm', 'fr-mt-4w')}>
        Ce lien ne contient aucune information personnelle. Aucune donnée n'est demandée sur cette page.
      </p>
    </>
  );
}
