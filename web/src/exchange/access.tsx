import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { libelleRole } from '../roles';
import { TitrePage } from '../components/TitrePage';
import type { CompteSession } from '../types';

export const isOfficer = (account: CompteSession | null) => account?.roles.includes('charge_echanges') ?? false;
export const canRead = (account: CompteSession | null) => isOfficer(account) || (account?.roles.includes('administrateur') ?? false);

export function AccessDenied({ account, who = 'aux chargés des échanges' }: { account: CompteSession; who?: string }) {
  return (
    <>
      <TitrePage titre="Accès refusé" />
      <Alert
        severity="error"
        as="h2"
        title={`Cette page est réservée ${who}`}
        description={`Votre compte (${account.roles.map(libelleRole).join(', ') || 'aucun rôle'}) ne permet pas d'utiliser cette page. Demandez le rôle à l'administrateur de votre organisme si vous en avez besoin.`}
        className={fr.cx('fr-mb-4w')}
      />
      <Button linkProps={{ to: '/' }} priority="secondary">
        Retour à l'accueil
      </Button>
    </>
  );
}
