import { useState } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { ApiError, type SavedFile } from '../api/client';
import { telechargerDocument, type TypeDocument } from './api';
import type { Reponses } from './types';

type Etat = { statut: 'repos' } | { statut: 'en_cours' } | { statut: 'fait'; document: SavedFile } | { statut: 'erreur'; message: string };

function taille(octets: number): string {
  return octets < 1024 ? `${octets} octets` : `${Math.max(1, Math.round(octets / 1024))} ko`;
}

/**
 * A button that downloads a check-list PDF with a POST (answers in the body), and says in a status message when the
 * file is saved, or why it could not be produced.
 */
export function DownloadButton({
  parcours,
  reponses,
  type,
  libelle,
  priorite = 'primary',
}: {
  parcours: string;
  reponses: Reponses;
  type: TypeDocument;
  libelle: string;
  priorite?: 'primary' | 'secondary';
}) {
  const [etat, setEtat] = useState<Etat>({ statut: 'repos' });

  async function telecharger() {
    // Not `disabled` while it runs: a disabled button would lose the keyboard focus.
    if (etat.statut === 'en_cours') return;
    setEtat({ statut: 'en_cours' });
    try {
      const document = await telechargerDocument(parcours, reponses, type);
      setEtat({ statut: 'fait', document });
    } catch (erreur) {
      setEtat({
        statut: 'erreur',
        message:
          erreur instanceof ApiError
            ? erreur.message
            : "Le document n'a pas pu être produit. Réessayez dans quelques instants.",
      });
    }
  }

  return (
    <div className={fr.cx('fr-mb-2w')}>
      <Button
        type="button"
        priority={priorite}
        iconId="fr-icon-download-line"
        iconPosition="left"
        nativeButtonProps={{ 'data-document': type, 'aria-busy': etat.statut === 'en_cours' ? true : undefined }}
        onClick={() => void telecharger()}
      >
        {libelle}
      </Button>
      <p role="status" className={fr.cx('fr-text--sm', 'fr-mt-1w', 'fr-mb-0')}>
        {etat.statut === 'en_cours' ? 'Préparation du document…' : null}
        {etat.statut === 'fait'
          ? `Document téléchargé : ${etat.document.fileName} (PDF, ${taille(etat.document.size)}). Ouvrez-le pour l'imprimer ou l'enregistrer.`
          : null}
      </p>
      {etat.statut === 'erreur' ? (
        <Alert severity="error" small description={etat.message} className={fr.cx('fr-mt-1w')} />
      ) : null}
    </div>
  );
}
