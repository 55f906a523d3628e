import { isRouteErrorResponse, useRouteError } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Button } from '@codegouvfr/react-dsfr/Button';

/** Shown when a page fails to load (for instance a new version was deployed meanwhile). */
export function RouteError() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : null;
  return (
    <main id="contenu" className={fr.cx('fr-container', 'fr-py-8w')}>
      <h1>Une erreur inattendue est survenue</h1>
      <p className={fr.cx('fr-text--lead')}>
        La page n'a pas pu s'afficher. Rechargez-la ; si le problème persiste, contactez l'assistance de votre organisme.
      </p>
      {detail ? <p className={fr.cx('fr-text--sm')}>Détail technique : {detail}</p> : null}
      <Button type="button" onClick={() => window.location.reload()}>
        Recharger la page
      </Button>
    </main>
  );
}
