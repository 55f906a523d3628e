import { Navigate, Outlet, useLocation } from 'react-router';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { messageErreur } from '../api/client';
import { useSession } from '../session';
import { Loading } from './Loading';
import { PageTitle } from './PageTitle';

/** Pages behind this route need a session: anonymous visitors are sent to /connexion. */
export function Protected() {
  const location = useLocation();
  const { data: session, isPending, isError, error } = useSession();
  if (isPending) return <Loading texte="Vérification de votre session…" />;
  if (isError) {
    return (
      <>
        <PageTitle titre="Service indisponible" />
        <Alert severity="error" as="h2" title="Impossible de vérifier votre session" description={messageErreur(error)} />
      </>
    );
  }
  if (session === null) {
    return <Navigate to="/connexion" replace state={{ depuis: location.pathname + location.search }} />;
  }
  return <Outlet />;
}
