import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Breadcrumb } from '@codegouvfr/react-dsfr/Breadcrumb';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { type ApiBody, ApiError, call, client, messageErreur, type FieldErrors } from '../api/client';
import { useCompte } from '../session';
import { PageTitle } from '../components/PageTitle';
import { FieldsCheckbox } from './FieldsCheckbox';
import { Loading } from '../components/Loading';
import { StatutBadge } from './ConventionsPage';
import { CONVENTIONS_KEY, dateLongue, useConvention, type ConventionDetail } from './api';

/** /conventions/:id: a convention, its fields and why, its signatures, amendments and history; the administrators' actions. */
export function ConventionPage() {
  const { id = '' } = useParams();
  const account = useCompte();
  const query = useConvention(id);
  if (!account) return null;
  return (
    <>
      <Breadcrumb
        homeLinkProps={{ to: '/' }}
        segments={[{ label: 'Conventions', linkProps: { to: '/conventions' } }]}
        currentPageLabel={query.data?.convention.intitule ?? 'Convention'}
        className={fr.cx('fr-mt-0', 'fr-mb-3w')}
      />
      {query.isPending ? <Loading texte="Chargement de la convention…" /> : null}
      {query.isError ? (
        <>
          <PageTitle titre="Convention introuvable" />
          <Alert severity="error" small description={messageErreur(query.error)} />
        </>
      ) : null}
      {query.isSuccess ? <Detail convention={query.data.convention} /> : null}
    </>
  );
}

function Detail({ convention: c }: { convention: ConventionDetail }) {
  const libelle = (code: string) => c.champsPossibles.find((f) => f.champ === code)?.libelle ?? code;
  return (
    <>
      <PageTitle titre={c.intitule} className={fr.cx('fr-mb-2w')} />
      <p>
        <StatutBadge statut={c.statut} /> <span data-testid="libelle-statut">{c.libelle}</span>
      </p>
      <ul>
        <li>
          Expéditeur des données : <strong>{c.expediteur.nom}</strong>
        </li>
        <li>
          Destinataire : <strong>{c.destinataire.nom}</strong>
        </li>
        <li>Programme(s) : {c.programmes.map((p) => p.titre).join(' ; ')}</li>
        <li>Début : {dateLongue(c.dateDebut)} (un an, renouvelable par tacite reconduction ; dénonciation avec un préavis de deux mois)</li>
        <li>Base légale : {c.baseLegale}</li>
      </ul>
      <Actions convention={c} />
      <h2 className={fr.cx('fr-h4', 'fr-mt-4w')}>Données transmises et pourquoi</h2>
      <Table
        caption="Champs listés par la convention"
        noCaption
        headers={['Donnée', 'Pourquoi elle est nécessaire']}
        data={c.champs.map((f) => [f.libelle, f.pourquoi])}
      />
      <h2 className={fr.cx('fr-h4', 'fr-mt-4w')}>Signatures</h2>
      {c.signatures === null ? (
        <p>Convention signée hors de Passerelle et enregistrée par un administrateur.</p>
      ) : (
        <ul>
          {[c.expediteur, c.destinataire].map((o) => {
            const s = c.signatures!.find((x) => x.organisation === o.code);
            return (
              <li key={o.code}>
                {o.nom} : {s ? `signée le ${dateLongue(s.date)} par ${s.par}${s.qualite ? `, ${s.qualite}` : ''}` : <strong>en attente de signature</strong>}
              </li>
            );
          })}
        </ul>
      )}
      {c.avenants.length > 0 ? (
        <>
          <h2 className={fr.cx('fr-h4', 'fr-mt-4w')}>Avenants</h2>
          <Table
            caption="Avenants"
            noCaption
            headers={['N°', "Date d'effet", 'Objet', 'Données à partir de cette date', 'Signatures']}
            data={c.avenants.map((a) => [
              String(a.numero),
              dateLongue(a.date),
              a.objet,
              a.champs ? a.champs.map(libelle).join(', ') : 'inchangées',
              a.enAttenteDe.length > 0 ? `En attente de ${a.enAttenteDe.map((o) => o.nom).join(' et ')}` : 'Signé par les deux organismes',
            ])}
          />
        </>
      ) : null}
      <h2 className={fr.cx('fr-h4', 'fr-mt-4w')}>Historique</h2>
      <ol>
        {c.historique.map((h, i) => (
          <li key={i}>
            {dateLongue(h.date)} : {h.evenement}
            {h.par ? ` (${h.par})` : ''}
          </li>
        ))}
      </ol>
    </>
  );
}

type ConventionAction =
  | { path: 'signature'; body: ApiBody<'/api/conventions/{id}/signature'> }
  | { path: 'avenants'; body: ApiBody<'/api/conventions/{id}/avenants'> }
  | { path: 'denonciation'; body: ApiBody<'/api/conventions/{id}/denonciation'> };

function Actions({ convention: c }: { convention: ConventionDetail }) {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<'avenant' | 'denonciation' | null>(null);
  const [qualite, setQualite] = useState('');
  const [objet, setObjet] = useState('');
  const [date, setDate] = useState('');
  const [motif, setMotif] = useState('');
  const [champs, setChamps] = useState<string[]>(c.champs.map((f) => f.champ));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const action = useMutation({
    mutationFn: ({ request }: { request: ConventionAction; message: string }) => {
      const params = { path: { id: c.id } };
      if (request.path === 'signature') return call(client.POST('/api/conventions/{id}/signature', { params, body: request.body }));
      if (request.path === 'avenants') return call(client.POST('/api/conventions/{id}/avenants', { params, body: request.body }));
      return call(client.POST('/api/conventions/{id}/denonciation', { params, body: request.body }));
    },
    onSuccess: async (_data, variables) => {
      setDone(variables.message);
      setMode(null);
      setErrors({});
      await queryClient.invalidateQueries({ queryKey: CONVENTIONS_KEY });
    },
    onError: (error) => setErrors(error instanceof ApiError ? error.champs : {}),
  });
  if (!c.actions.signer && !c.actions.amender && !c.actions.denoncer) return null;
  const submit = (event: FormEvent, request: ConventionAction, message: string) => {
    event.preventDefault();
    action.mutate({ request, message });
  };
  const pending = c.enAttente?.objet === 'avenant' ? `l'avenant n° ${c.enAttente.numero}` : 'la convention';
  return (
    <section aria-labelledby="actions-titre" className={fr.cx('fr-p-3w', 'fr-mb-3w')} style={{ border: '1px solid var(--border-default-grey)' }}>
      <h2 id="actions-titre" className={fr.cx('fr-h5')}>
        Actions de l'administrateur
      </h2>
      {done ? <Alert severity="success" small description={done} className={fr.cx('fr-mb-2w')} /> : null}
      {action.isError ? <Alert severity="error" small description={messageErreur(action.error)} className={fr.cx('fr-mb-2w')} /> : null}
      {c.actions.signer ? (
        <form onSubmit={(e) => submit(e, { path: 'signature', body: { qualite } }, `Vous avez signé ${pending}.`)}>
          <p>
            {c.enAttente?.objet === 'avenant' ? `L'avenant n° ${c.enAttente.numero}` : 'Ce projet'} attend la signature de votre organisme. Relisez les
            données transmises ci-dessous avant de signer.
          </p>
          <Input label="Votre qualité (facultatif)" hintText="Par exemple : directeur, directrice adjointe" nativeInputProps={{ value: qualite, onChange: (e) => setQualite(e.target.value), name: 'qualite' }} />
          <Button type="submit" iconId="fr-icon-edit-line" disabled={action.isPending}>
            Signer {pending}
          </Button>
        </form>
      ) : null}
      {!c.actions.signer && mode === null ? (
        <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline')}>
          {c.actions.amender ? (
            <Button priority="secondary" onClick={() => setMode('avenant')}>
              Proposer un avenant
            </Button>
          ) : null}
          {c.actions.denoncer ? (
            <Button priority="tertiary" onClick={() => setMode('denonciation')}>
              Dénoncer la convention
            </Button>
          ) : null}
        </div>
      ) : null}
      {mode === 'avenant' ? (
        <form onSubmit={(e) => submit(e, { path: 'avenants', body: { date, objet, champs, qualite } }, "Avenant proposé et signé pour votre organisme : il attend la signature de l'autre organisme.")}>
          <Input label="Objet de l'avenant" state={errors.objet ? 'error' : 'default'} stateRelatedMessage={errors.objet} nativeInputProps={{ value: objet, onChange: (e) => setObjet(e.target.value), name: 'objet', required: true }} />
          <Input label="Date d'effet" state={errors.date ? 'error' : 'default'} stateRelatedMessage={errors.date} nativeInputProps={{ type: 'date', value: date, onChange: (e) => setDate(e.target.value), name: 'date', required: true }} />
          <FieldsCheckbox
            legend="Données transmises à partir de cette date (liste complète)"
            error={errors.champs}
            fields={c.champsPossibles}
            value={champs}
            onChange={setChamps}
          />
          <SubmitOrCancel label="Signer et proposer l'avenant" busy={action.isPending} onCancel={() => setMode(null)} />
        </form>
      ) : null}
      {mode === 'denonciation' ? (
        <form onSubmit={(e) => submit(e, { path: 'denonciation', body: { motif, qualite } }, 'Dénonciation notifiée : la convention prend fin dans deux mois.')}>
          <p>La dénonciation prend effet deux mois après sa notification (préavis). Jusque-là, les échanges continuent.</p>
          <Input label="Motif (facultatif)" nativeInputProps={{ value: motif, onChange: (e) => setMotif(e.target.value), name: 'motif' }} />
          <SubmitOrCancel label="Notifier la dénonciation" busy={action.isPending} onCancel={() => setMode(null)} />
        </form>
      ) : null}
    </section>
  );
}

/** The buttons of an action's form: do it, or close the form. */
function SubmitOrCancel({ label, busy, onCancel }: { label: string; busy: boolean; onCancel: () => void }) {
  return (
    <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline')}>
      <Button type="submit" disabled={busy}>
        {label}
      </Button>
      <Button type="button" priority="secondary" onClick={onCancel}>
        Annuler
      </Button>
    </div>
  );
}
