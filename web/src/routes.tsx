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
      // The opposition link carried by every offer (public: the person is not signed in).
      { path: '/opposition/:jeton', lazy: async () => ({ Component: (await import('./mail/OppositionPage')).OppositionPage }) },
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
          // Exchange officer (web/src/exchange) and the DPO's register (web/src/privacy).
          { path: '/echanges', lazy: async () => ({ Component: (await import('./exchange/ExchangesPage')).ExchangesPage }) },
          { path: '/echanges/cycle', lazy: async () => ({ Component: (await import('./exchange/CycleFormPage')).CycleFormPage }) },
          { path: '/echanges/cycles/:id', lazy: async () => ({ Component: (await import('./exchange/CyclePage')).CyclePage }) },
          { path: '/echanges/import', lazy: async () => ({ Component: (await import('./exchange/ImportPage')).ImportPage }) },
          { path: '/registre', lazy: async () => ({ Component: (await import('./privacy/RegisterPage')).RegisterPage }) },
          // Channels (web/src/mail): the month's mailing, the sent e-mails, the Caf's separation contact plan.
          { path: '/courriers/publipostage', lazy: async () => ({ Component: (await import('./mail/MailingPage')).MailingPage }) },
          { path: '/administration/courriels', lazy: async () => ({ Component: (await import('./mail/SentMailPage')).SentMailPage }) },
          { path: '/campagnes/separation', lazy: async () => ({ Component: (await import('./mail/SeparationCampaignPage')).SeparationCampaignPage }) },
          // Outreach worklists (web/src/outreach).
          { path: '/listes', lazy: async () => ({ Component: (await import('./outreach/WorklistPage')).WorklistPage }) },
          { path: '/listes/personnes/:id', lazy: async () => ({ Component: (await import('./outreach/PersonPage')).PersonPage }) },
          { path: '/listes/resultats', lazy: async () => ({ Component: (await import('./outreach/OutcomesImportPage')).OutcomesImportPage }) },
          // Pilots' dashboard (web/src/indicators).
          { path: '/indicateurs', lazy: async () => ({ Component: (await import('./indicators/DashboardPage')).DashboardPage }) },
          // Health establishments' signalements (web/src/signalements).
          { path: '/signalements', lazy: async () => ({ Component: (await import('./signalements/SignalementsPage')).SignalementsPage }) },
          // Local conventions (web/src/conventions).
          { path: '/conventions', lazy: async () => ({ Component: (await import('./conventions/ConventionsPage')).ConventionsPage }) },
          { path: '/conventions/nouvelle', lazy: async () => ({ Component: (await import('./conventions/ProposalPage')).ProposalPage }) },
          { path: '/conventions/:id', lazy: async () => ({ Component: (await import('./conventions/ConventionPage')).ConventionPage }) },
        ],
      },
      { path: '*', element: <PageNonTrouvee /> },
    ],
  },
];
