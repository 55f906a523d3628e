import { useState } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { messageErreur } from '../api/client';
import { downloadLetter as downloadLetterPdf, sendOfferEmail } from '../mail/api';

type State = { kind: 'idle' } | { kind: 'busy'; what: 'email' | 'letter' } | { kind: 'done'; message: string } | { kind: 'error'; message: string };

/**
 * The offer's channels on a person's page: send it by e-mail (queued, retried automatically) or
 * download the letter (PDF, recorded as sent). The server checks every rule (opposition, violence
 * flag, address, authorisation) and says in French why an action is refused.
 */
export function ChannelActions({ contactId, version, onDone }: { contactId: string; version: number; onDone: () => void }) {
  const [state, setState] = useState<State>({ kind: 'idle' });

  async function sendEmail() {
    if (state.kind === 'busy') return;
    setState({ kind: 'busy', what: 'email' });
    try {
      const result = await sendOfferEmail(contactId, version);
      setState({ kind: 'done', message: result.message });
      onDone();
    } catch (error) {
      setState({ kind: 'error', message: messageErreur(error) });
    }
  }

  async function downloadLetter() {
    if (state.kind === 'busy') return;
    setState({ kind: 'busy', what: 'letter' });
    try {
      const file = await downloadLetterPdf(contactId, version);
      setState({ kind: 'done', message: `Courrier téléchargé : ${file.fileName} (PDF). Imprimez-le et postez-le : l'envoi est noté dans l'historique.` });
      onDone();
    } catch (error) {
      setState({ kind: 'error', message: messageErreur(error) });
    }
  }

  return (
    <section aria-labelledby={`canaux-${contactId}`} className={fr.cx('fr-mb-4w')}>
      <h2 id={`canaux-${contactId}`} className={fr.cx('fr-h5')}>Envoyer l'offre</h2>
      <ul className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md', 'fr-btns-group--icon-left')}>
        <li>
          <Button type="button" iconId="fr-icon-mail-line" priority="secondary" onClick={() => void sendEmail()}
            nativeButtonProps={{ 'aria-busy': state.kind === 'busy' && state.what === 'email' ? true : undefined, 'data-canal': 'courriel' }}>
            Envoyer l'offre par courriel
          </Button>
        </li>
        <li>
          <Button type="button" iconId="fr-icon-download-line" priority="secondary" onClick={() => void downloadLetter()}
            nativeButtonProps={{ 'aria-busy': state.kind === 'busy' && state.what === 'letter' ? true : undefined, 'data-canal': 'courrier' }}>
            Télécharger le courrier
          </Button>
        </li>
      </ul>
      <p role="status" className={fr.cx('fr-text--sm', 'fr-mb-0')}>
        {state.kind === 'busy' ? (state.what === 'email' ? 'Préparation du courriel…' : 'Préparation du courrier…') : null}
        {state.kind === 'done' ? state.message : null}
      </p>
      {state.kind === 'error' ? <Alert severity="error" small description={state.message} className={fr.cx('fr-mt-1w')} /> : null}
    </section>
  );
}
