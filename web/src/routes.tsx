import type { RouteObject } from 'react-router';
import { Layout } from './components/Layout';
import { Protected } from './components/Protected';
import { Loading } from './components/Loading';
import { RouteError } from './pages/RouteError';
import { LoginPage } from './pages/LoginPage';
import { HomePage } from './pages/HomePage';
import { NotFoundPage } from './pages/NotFoundPage';

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    hydrateFallbackElement: <Loading />,
    errorElement: <RouteError />,
    children: [
      { path: '/connexion', element: <LoginPage /> },
      {
        path: '/territoires',
        lazy: async () => ({ Component: (await import('./pages/TerritoriesPage')).TerritoriesPage }),
      },
      // Citizen orientation: public, loaded only when visited (the first load stays light).
      {
        path: '/orientation',
        lazy: async () => ({ Component: (await import('./orientation/ParcoursChoicePage')).ParcoursChoicePage }),
      },
      {
        path: '/orientation/:parcours',
        lazy: async () => ({ Component: (await import('./orientation/ParcoursPage')).ParcoursPage }),
      },
      // The opposition link carried by every offer (public: the person is not signed in).
      { path: '/opposition/:jeton', lazy: async () => ({ Component: (await import('./mail/OppositionPage')).OppositionPage }) },
      {
        path: '/accessibilite',
        lazy: async () => ({ Component: (await import('./pages/AccessibilityPage')).AccessibilityPage }),
      },
      {
        element: <Protected />,
        children: [
          { path: '/', element: <HomePage /> },
          {
            path: '/administration/comptes',
            lazy: async () => ({ Component: (await import('./pages/AccountsPage')).AccountsPage }),
          },
          {
            path: '/orientation/entretien',
            lazy: async () => ({ Component: (await import('./orientation/InterviewPage')).InterviewPage }),
          },
          {
            path: '/administration/orientation',
            lazy: async () => ({ Component: (await import('./orientation/CataloguePage')).CataloguePage }),
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
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
