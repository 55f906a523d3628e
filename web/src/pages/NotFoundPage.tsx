import { fr } from '@codegouvfr/react-dsfr';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { PageTitle } from '../components/PageTitle';

export function NotFoundPage() {
  return (
    <div className={fr.cx('fr-grid-row', 'fr-py-4w')}>
      <div className={fr.cx('fr-col-12', 'fr-col-md-8')}>
        <PageTitle titre="Page non trouvée" />
        <p className={fr.cx('fr-text--sm', 'fr-mb-3w')}>Erreur 404</p>
        <p className={fr.cx('fr-text--lead', 'fr-mb-3w')}>La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée.</p>
        <p className={fr.cx('fr-mb-5w')}>
          Si vous avez tapé l'adresse dans le navigateur, vérifiez qu'elle est correcte. La page n'est peut-être plus
          disponible. Dans ce cas, pour continuer, revenez à la page d'accueil.
        </p>
        <ul className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md')}>
          <li>
            <Button linkProps={{ to: '/' }}>Page d'accueil</Button>
          </li>
          <li>
            <Button linkProps={{ to: '/territoires' }} priority="secondary">
              Organismes par code postal
            </Button>
          </li>
        </ul>
      </div>
    </div>
  );
}
