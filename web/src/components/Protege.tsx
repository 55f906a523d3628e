import { Navigate, Outlet, useLocation } from 'react-router';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { messageErreur } from '../api';
import { useSession } from '../session';
import { Chargement } from './Chargement';
import { TitrePage } from './TitrePage';

/** Pages behind this route need a session: anonymous visitors are sent to /connexion. */
export function Protege() {
  const location = useLocation();
  const { data: session, isPending, isError, error } = useSession();
  if (isPending) return <Chargement texte="Vérification de votre session…" />;
  if (isError) {
    return (
      <>
        <TitrePage titre="Service indisponible" />
        <Alert severity="error" as="h2" title="Impossible de vérifier votre session" description={messageErreur(error)} />
      </>
    );
  }
  if (session === null) {
    return <Navigate to="/connexion" replace state={{ depuis: location.pathname + location.search }} />;
  }
  return <Outlet />;
}
