import type { RouteObject } from 'react-router';
import { Layout } from './components/Layout';
import { Protege } from './components/Protege';
import { Chargement } from './components/Chargement';
import { ErreurRoute } from './pages/ErreurRoute';
import { Connexion } from './pages/Connexion';
import { Accueil } from './pages/Accueil';
import { PageNonTrouvee } from './pages/PageNonTrouvee';

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    hydrateFallbackElement: <Chargement />,
    errorElement: <ErreurRoute />,
    children: [
      { path: '/connexion', element: <Connexion /> },
      {
        path: '/territoires',
        lazy: async () => ({ Component: (await import('./pages/Territoires')).Territoires }),
      },
      // Citizen orientation: public, loaded only when visited (the first load stays light).
      {
        path: '/orientation',
        lazy: async () => ({ Component: (await import('./orientation/PageChoixParcours')).PageChoixParcours }),
      },
      {
        path: '/orientation/:parcours',
        lazy: async () => ({ Component: (await import('./orientation/PageParcours')).PageParcours }),
      },
      {
        path: '/accessibilite',
        lazy: async () => ({ Component: (await import('./pages/Accessibilite')).Accessibilite }),
      },
      {
        element: <Protege />,
        children: [
          { path: '/', element: <Accueil /> },
          {
            path: '/administration/comptes',
            lazy: async () => ({ Component: (await import('./pages/AdministrationComptes')).AdministrationComptes }),
          },
          {
            path: '/orientation/entretien',
            lazy: async () => ({ Component: (await import('./orientation/PageEntretien')).PageEntretien }),
          },
          {
            path: '/administration/orientation',
            lazy: async () => ({ Component: (await import('./orientation/PageCatalogue')).PageCatalogue }),
          },
        ],
      },
      { path: '*', element: <PageNonTrouvee /> },
    ],
  },
];
