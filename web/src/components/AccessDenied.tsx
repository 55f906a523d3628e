import type { ReactNode } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { useLibelleRole } from '../roles';
import { PageTitle } from './PageTitle';
import type { CompteSession } from '../types';

/**
 * The page shown to a signed-in account whose roles do not open the page: who it is for, the
 * account's roles, what to do. `description` receives the account's role labels (« aucun rôle »).
 */
export function AccessDenied({
  account,
  who = 'aux chargés des échanges',
  description = (roles) =>
    `Votre compte (${roles}) ne permet pas d'utiliser cette page. Demandez le rôle à l'administrateur de votre organisme si vous en avez besoin.`,
  back = { to: '/', label: "Retour à l'accueil" },
}: {
  account: CompteSession;
  who?: string;
  description?: (roles: string) => NonNullable<ReactNode>;
  back?: { to: string; label: string };
}) {
  const roleLabel = useLibelleRole();
  return (
    <>
      <PageTitle titre="Accès refusé" />
      <Alert
        severity="error"
        as="h2"
        title={`Cette page est réservée ${who}`}
        description={description(account.roles.map(roleLabel).join(', ') || 'aucun rôle')}
        className={fr.cx('fr-mb-4w')}
      />
      <Button linkProps={{ to: back.to }} priority="secondary">
        {back.label}
      </Button>
    </>
  );
}
