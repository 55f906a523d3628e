import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { messageErreur } from '../api/client';
import { Loading } from '../components/Loading';
import { PageTitle } from '../components/PageTitle';
import { dateTimeFr, mailBody, sentMail, STATUS_LABELS, type MailBody, type OutboxStatus, type SentMail } from './api';

const SEVERITY: Record<OutboxStatus, 'success' | 'error' | 'warning' | 'info' | 'new'> = {
  envoye: 'success', echec: 'error', rejete: 'error', en_attente: 'info', annule: 'warning',
};

/** The administrator's view of the offer e-mails: who (the person's number on the list), when, subject, status; the body on demand (audited). */
export function SentMailPage() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<OutboxStatus | ''>('');
  const [open, setOpen] = useState<{ id: string; body?: MailBody; error?: string; raw: boolean } | null>(null);
  const query = useQuery({ queryKey: ['courriels', page, status], queryFn: () => sentMail(page, status), placeholderData: keepPreviousData });

  async function show(row: SentMail) {
    setOpen({ id: row.id, raw: false });
    try {
      const { courriel } = await mailBody(row.id);
      setOpen({ id: row.id, body: courriel, raw: false });
    } catch (error) {
      setOpen({ id: row.id, error: messageErreur(error), raw: false });
    }
  }

  const pages = query.data ? Math.max(1, Math.ceil(query.data.total / query.data.taille)) : 1;
  return (
    <>
      <PageTitle titre="Courriels envoyés" />
      <p>
        Les offres envoyées par courriel aux personnes des listes de travail de votre organisme : quand, pour quelle démarche, avec quel objet,
        et ce qu'il en est advenu. Le contenu d'un message n'est affiché qu'à la demande, et chaque consultation est tracée dans le journal d'audit.
        Il est effacé en même temps que les données de la personne.
      </p>
      {query.data?.serveurDemo ? (
        <Alert
          severity="info"
          small
          className={fr.cx('fr-mb-3w')}
          description="Instance de démonstration : les courriels sont remis à un serveur de messagerie interne à Passerelle, qui les conserve ici au lieu de les distribuer. « Reçu » indique qu'il a bien reçu le message."
        />
      ) : null}
      <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
        <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>
          <Select label="État" nativeSelectProps={{ id: 'filtre-etat', value: status, onChange: (e) => { setStatus(e.target.value as OutboxStatus | ''); setPage(1); } }}>
            <option value="">Tous</option>
            {(Object.keys(STATUS_LABELS) as OutboxStatus[]).map((s) => <option key={s} value={s}>{STATUS_LABELS[s]}</option>)}
          </Select>
        </div>
      </div>
      {query.isPending ? <Loading /> : null}
      {query.isError ? <Alert severity="error" small description={messageErreur(query.error)} /> : null}
      {query.data ? (
        <>
          <p role="status" className={fr.cx('fr-text--sm')}>{query.data.total} courriel(s).</p>
          {query.data.lignes.length > 0 ? (
            <Table
              caption="Courriels envoyés"
              noCaption
              headers={['Demandé le', 'Personne', 'Démarche', 'Objet', 'État', 'Envoyé le', 'Contenu']}
              data={query.data.lignes.map((row) => [
                dateTimeFr(row.creeLe),
                `n° ${row.contactId} (${row.periode})`,
                row.programme,
                row.objet,
                <span key="s">
                  <Badge as="span" small severity={SEVERITY[row.statut]} noIcon>{STATUS_LABELS[row.statut]}</Badge>
                  {row.tentatives > 1 ? <span className={fr.cx('fr-text--xs')}> {row.tentatives} tentatives</span> : null}
                  {row.derniereErreur ? <span className={fr.cx('fr-text--xs')} style={{ display: 'block' }}>{row.derniereErreur}</span> : null}
                  {row.recuLe ? <span className={fr.cx('fr-text--xs')} style={{ display: 'block' }}>Reçu le {dateTimeFr(row.recuLe)}</span> : null}
                </span>,
                dateTimeFr(row.envoyeLe),
                row.corpsDisponible ? (
                  <Button key="b" type="button" size="small" priority="tertiary" onClick={() => void show(row)}
                    nativeButtonProps={{ 'aria-label': `Voir le message n° ${row.contactId} du ${dateTimeFr(row.creeLe)}` }}>
                    Voir
                  </Button>
                ) : <span key="e" className={fr.cx('fr-text--xs')}>Effacé</span>,
              ])}
            />
          ) : null}
          {pages > 1 ? (
            <ul className={fr.cx('fr-btns-group', 'fr-btns-group--inline')}>
              <li><Button type="button" priority="secondary" size="small" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>Page précédente</Button></li>
              <li><span className={fr.cx('fr-text--sm')}>Page {page} sur {pages}</span></li>
              <li><Button type="button" priority="secondary" size="small" disabled={page >= pages} onClick={() => setPage((p) => p + 1)}>Page suivante</Button></li>
            </ul>
          ) : null}
        </>
      ) : null}
      {open ? (
        <section aria-labelledby="message-titre" className={fr.cx('fr-mt-4w', 'fr-p-3w')} style={{ border: '1px solid var(--border-default-grey)' }}>
          <h2 id="message-titre" className={fr.cx('fr-h5')}>{open.body ? `Message : ${open.body.objet}` : 'Message'}</h2>
          {open.error ? <Alert severity="error" small description={open.error} /> : null}
          {!open.body && !open.error ? <Loading /> : null}
          {open.body?.efface ? <p>Le contenu de ce message a été effacé avec les données de la personne.</p> : null}
          {open.body && !open.body.efface ? (
            <>
              {open.body.brut ? (
                <Button type="button" size="small" priority="secondary" className={fr.cx('fr-mb-2w')} onClick={() => setOpen({ ...open, raw: !open.raw })}>
                  {open.raw ? 'Afficher le texte du message' : 'Afficher le message tel que reçu par le serveur'}
                </Button>
              ) : null}
              <pre tabIndex={0} aria-label="Contenu du message" style={{ whiteSpace: 'pre-wrap', maxHeight: '32rem', overflow: 'auto', background: 'var(--background-alt-grey)', padding: '1rem' }}>
                {open.raw ? open.body.brut : open.body.texte}
              </pre>
            </>
          ) : null}
          <Button type="button" priority="tertiary" size="small" onClick={() => setOpen(null)}>Fermer le message</Button>
        </section>
      ) : null}
    </>
  );
}
