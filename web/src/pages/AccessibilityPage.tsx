import { fr } from '@codegouvfr/react-dsfr';
import { PageTitle } from '../components/PageTitle';

export function AccessibilityPage() {
  return (
    <div className={fr.cx('fr-grid-row')}>
      <div className={fr.cx('fr-col-12', 'fr-col-md-10', 'fr-col-lg-8')}>
        <PageTitle titre="Déclaration d'accessibilité" />
        <p>
          Les organismes de Sécurité sociale qui utilisent Passerelle s'engagent à rendre leurs services numériques
          accessibles, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.
        </p>
        <h2>État de conformité</h2>
        <p>
          Passerelle est <strong>non conforme</strong> avec le référentiel général d'amélioration de l'accessibilité (RGAA) :
          aucun audit de conformité n'a encore été réalisé.
        </p>
        <p>
          Chaque version est toutefois vérifiée automatiquement (outil axe-core) sur les pages de connexion, d'accueil, de
          recherche par code postal et de gestion des comptes. Passerelle utilise le système de design de l'État (DSFR).
        </p>
        <h2>Signaler un défaut d'accessibilité</h2>
        <p>
          Si vous n'arrivez pas à accéder à un contenu ou à un service, signalez-le à l'administrateur Passerelle de votre
          organisme, qui transmettra votre demande à l'équipe du service.
        </p>
        <h2>Voie de recours</h2>
        <p>
          Si vous avez signalé un défaut d'accessibilité sans obtenir de réponse satisfaisante, vous pouvez saisir le
          Défenseur des droits (formulaire en ligne, délégué de votre région ou courrier gratuit sans affranchissement :
          Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07).
        </p>
      </div>
    </div>
  );
}
