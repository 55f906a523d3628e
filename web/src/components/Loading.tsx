import { fr } from '@codegouvfr/react-dsfr';

export function Loading({ texte = 'Chargement en cours…' }: { texte?: string }) {
  return (
    <p role="status" className={fr.cx('fr-my-4w')}>
      <span className={fr.cx('fr-icon-refresh-line', 'fr-mr-1w')} aria-hidden="true" />
      {texte}
    </p>
  );
}
