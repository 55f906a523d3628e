import { Suspense } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Header, type HeaderProps } from '@codegouvfr/react-dsfr/Header';
import { Footer } from '@codegouvfr/react-dsfr/Footer';
import { headerFooterDisplayItem } from '@codegouvfr/react-dsfr/Display';
import { SkipLinks } from '@codegouvfr/react-dsfr/SkipLinks';
import type { MainNavigationProps } from '@codegouvfr/react-dsfr/MainNavigation';
import { estAdministrateur, useDeconnexion, useSession } from '../session';
import { Loading } from './Loading';

const brandTop = (
  <>
    République
    <br />
    Française
  </>
);

export function Layout() {
  const location = useLocation();
  const navigate = useNavigate();
  const { data: session } = useSession();
  const compte = session?.compte ?? null;
  const deconnexion = useDeconnexion();

  const chemin = location.pathname;
  const navigation: MainNavigationProps.Item[] = [];
  if (compte) navigation.push({ text: 'Accueil', linkProps: { to: '/' }, isActive: chemin === '/' });
  navigation.push({
    text: 'Organismes par code postal',
    linkProps: { to: '/territoires' },
    isActive: chemin.startsWith('/territoires'),
  });
  navigation.push({
    text: 'Vos droits selon votre situation',
    linkProps: { to: '/orientation' },
    isActive: chemin.startsWith('/orientation') && !chemin.startsWith('/orientation/entretien'),
  });
  if (compte?.roles.includes('agent')) {
    navigation.push({ text: 'Listes de travail', linkProps: { to: '/listes' }, isActive: chemin.startsWith('/listes') });
    navigation.push({
      text: "Check-list d'entretien",
      linkProps: { to: '/orientation/entretien' },
      isActive: chemin.startsWith('/orientation/entretien'),
    });
  }
  if (compte?.roles.includes('charge_echanges')) {
    navigation.push({ text: 'Échanges sécurisés', linkProps: { to: '/echanges' }, isActive: chemin.startsWith('/echanges') });
  }
  if (compte?.roles.includes('pilote_local') || compte?.roles.includes('pilote_national')) {
    navigation.push({ text: 'Indicateurs', linkProps: { to: '/indicateurs' }, isActive: chemin.startsWith('/indicateurs') });
  }
  if (compte?.roles.includes('signalant')) {
    navigation.push({ text: 'Signalements', linkProps: { to: '/signalements' }, isActive: chemin.startsWith('/signalements') });
  }
  if (compte?.roles.includes('dpo')) {
    navigation.push({ text: 'Registre des traitements', linkProps: { to: '/registre' }, isActive: chemin.startsWith('/registre') });
  }
  if (estAdministrateur(compte)) {
    navigation.push({
      text: 'Gestion des comptes',
      linkProps: { to: '/administration/comptes' },
      isActive: chemin.startsWith('/administration/comptes'),
    });
    navigation.push({
      text: 'Catalogue des offres',
      linkProps: { to: '/administration/orientation' },
      isActive: chemin.startsWith('/administration/orientation'),
    });
    navigation.push({ text: 'Conventions', linkProps: { to: '/conventions' }, isActive: chemin.startsWith('/conventions') });
  }

  const quickAccessItems: HeaderProps.QuickAccessItem[] = compte
    ? [
        {
          iconId: 'fr-icon-account-circle-line',
          text: compte.nom,
          linkProps: { to: '/' },
        },
        {
          iconId: 'fr-icon-logout-box-r-line',
          text: 'Se déconnecter',
          buttonProps: {
            type: 'button',
            disabled: deconnexion.isPending,
            onClick: () =>
              deconnexion.mutate(undefined, {
                onSuccess: () => navigate('/connexion', { state: { deconnecte: true } }),
              }),
          },
        },
      ]
    : chemin === '/connexion'
      ? []
      : [{ iconId: 'fr-icon-lock-line', text: 'Se connecter', linkProps: { to: '/connexion' } }];

  return (
    <>
      <SkipLinks
        links={[
          { label: 'Contenu', anchor: '#contenu' },
          { label: 'Menu', anchor: '#en-tete-main-navigation' },
          { label: 'Pied de page', anchor: '#pied-de-page' },
        ]}
      />
      <Header
        id="en-tete"
        brandTop={brandTop}
        serviceTitle="Passerelle"
        serviceTagline={compte ? compte.organisation.nom : 'Offres coordonnées entre les branches de la Sécurité sociale'}
        homeLinkProps={{ to: '/', title: 'Accueil – Passerelle' }}
        navigation={navigation}
        quickAccessItems={quickAccessItems}
      />
      <main id="contenu" tabIndex={-1} className={fr.cx('fr-container', 'fr-pt-4w', 'fr-pb-8w')} style={{ outline: 'none' }}>
        {deconnexion.isError ? (
          <p role="alert" className={fr.cx('fr-error-text', 'fr-mb-2w')}>
            La déconnexion a échoué. Fermez votre navigateur pour terminer la session en toute sécurité.
          </p>
        ) : null}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <Footer
        id="pied-de-page"
        accessibility="non compliant"
        accessibilityLinkProps={{ to: '/accessibilite' }}
        contentDescription="Passerelle aide les Caf, les caisses d'Assurance Maladie et leurs centres d'examens de santé, et les Carsat à coordonner leurs offres et leurs démarches d'aller-vers, dans le respect de la protection des données personnelles."
        bottomItems={[headerFooterDisplayItem]}
        domains={['caf.fr', 'ameli.fr', 'lassuranceretraite.fr', 'service-public.fr']}
      />
    </>
  );
}
