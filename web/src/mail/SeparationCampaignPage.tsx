import { useState, type FormEvent } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { RadioButtons } from '@codegouvfr/react-dsfr/RadioButtons';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { ApiError, call, client, messageErreur, type ApiOk } from '../api/client';
import { PageTitle } from '../components/PageTitle';
import { uploadFile } from '../exchange/api';

/** A campaign run by the server's job queue (202): polled until `termine` or `echec`. */
type QueuedCampaign = ApiOk<'/api/courriels/campagnes/separation/{id}'>['campagne'];
type CampaignAnswer = NonNullable<QueuedCampaign['resultat']>;

const lastMonth = () => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};

/** The Caf's separation contact plan: the month's extracts in, the joint offer out, on the Caf's own worklist. */
export function SeparationCampaignPage() {
  const [month, setMonth] = useState(lastMonth());
  const [channel, setChannel] = useState<'auto' | 'courriel' | 'courrier'>('auto');
  const [files, setFiles] = useState<{ separations: File | null; allocataires: File | null }>({ separations: null, allocataires: null });
  const [errors, setErrors] = useState<{ message: string; champs: Record<string, string> } | null>(null);
  const [progress, setProgress] = useState('');
  const [result, setResult] = useState<CampaignAnswer | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (progress) return;
    const champs: Record<string, string> = {};
    if (!files.separations) champs.separations = 'Choisissez le fichier des séparations du mois (caf_separations.csv).';
    if (!files.allocataires) champs.allocataires = 'Choisissez le fichier des allocataires (caf_allocataires.csv).';
    if (Object.keys(champs).length) { setErrors({ message: 'Deux fichiers sont nécessaires.', champs }); return; }
    setErrors(null);
    setResult(null);
    try {
      setProgress('Dépôt du fichier des séparations…');
      const separations = await uploadFile(files.separations!, 'extrait');
      setProgress('Dépôt du fichier des allocataires…');
      const allocataires = await uploadFile(files.allocataires!, 'extrait');
      setProgress('Ciblage et envoi de l’offre…');
      const answer = await call(client.POST('/api/courriels/campagnes/separation', {
        body: { mois: month, canal: channel, fichiers: { caf_separations: separations.id, caf_allocataires: allocataires.id } },
      }));
      if ('rapport' in answer) { setResult(answer); return; }
      // Queued on the server (it survives a restart): its state is polled until it ends.
      for (;;) {
        await new Promise((ok) => setTimeout(ok, 1000));
        const { campagne } = await call(client.GET('/api/courriels/campagnes/separation/{id}', { params: { path: { id: answer.campagne.id } } }));
        if (campagne.statut === 'termine' && campagne.resultat) { setResult(campagne.resultat); return; }
        if (campagne.statut === 'echec') { setErrors({ message: campagne.erreur ?? 'La campagne n’a pas abouti.', champs: {} }); return; }
        setProgress(campagne.reprise ?? (campagne.statut === 'en_attente' ? 'Campagne en attente sur le serveur…' : 'Ciblage et envoi de l’offre…'));
      }
    } catch (error) {
      setErrors({ message: messageErreur(error), champs: error instanceof ApiError ? error.champs : {} });
    } finally {
      setProgress('');
    }
  }

  const c = result?.campagne;
  return (
    <>
      <PageTitle titre="Plan de contacts « séparation »" />
      <p>
        Chaque mois, la Caf écrit aux allocataires qui ont déclaré une séparation avec au moins un enfant à charge, pour leur présenter les offres
        de la Caf <strong>et</strong> de l'Assurance Maladie. Aucune donnée personnelle ne quitte la Caf : les personnes sont inscrites sur la
        liste de travail de la Caf, sous un pseudonyme propre à la Caf.
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Input
          label="Mois des déclarations"
          hintText="Format : AAAA-MM"
          state={errors?.champs.mois ? 'error' : 'default'}
          stateRelatedMessage={errors?.champs.mois}
          nativeInputProps={{ id: 'campagne-mois', type: 'month', value: month, onChange: (e) => setMonth(e.target.value) }}
        />
        <Input
          label="Séparations déclarées dans le mois (caf_separations.csv)"
          state={errors?.champs.separations || errors?.champs['fichiers.caf_separations'] ? 'error' : 'default'}
          stateRelatedMessage={errors?.champs.separations ?? errors?.champs['fichiers.caf_separations']}
          nativeInputProps={{ id: 'campagne-separations', type: 'file', accept: '.csv,text/csv', onChange: (e) => setFiles((f) => ({ ...f, separations: e.target.files?.[0] ?? null })) }}
        />
        <Input
          label="Allocataires de la Caf (caf_allocataires.csv)"
          state={errors?.champs.allocataires || errors?.champs['fichiers.caf_allocataires'] ? 'error' : 'default'}
          stateRelatedMessage={errors?.champs.allocataires ?? errors?.champs['fichiers.caf_allocataires']}
          nativeInputProps={{ id: 'campagne-allocataires', type: 'file', accept: '.csv,text/csv', onChange: (e) => setFiles((f) => ({ ...f, allocataires: e.target.files?.[0] ?? null })) }}
        />
        <RadioButtons
          legend="Canal de l'offre"
          name="canal"
          options={[
            { label: 'Courriel si possible, sinon courrier', nativeInputProps: { value: 'auto', checked: channel === 'auto', onChange: () => setChannel('auto') } },
            { label: 'Courriel uniquement', nativeInputProps: { value: 'courriel', checked: channel === 'courriel', onChange: () => setChannel('courriel') } },
            { label: 'Courrier uniquement (publipostage)', nativeInputProps: { value: 'courrier', checked: channel === 'courrier', onChange: () => setChannel('courrier') } },
          ]}
        />
        <Button type="submit" nativeButtonProps={{ 'aria-busy': progress ? true : undefined }}>Lancer la campagne</Button>
      </form>
      <p role="status" className={fr.cx('fr-mt-2w')}>{progress}</p>
      {errors ? <Alert severity="error" small description={errors.message} className={fr.cx('fr-mt-2w')} /> : null}
      {c ? (
        <section aria-labelledby="campagne-resultat" className={fr.cx('fr-mt-4w')}>
          <h2 id="campagne-resultat" className={fr.cx('fr-h4')}>{c.ajoutes} personne(s) ajoutée(s) à la liste de travail</h2>
          <Table
            caption="Bilan de la campagne"
            headers={['', 'Nombre']}
            data={[
              ['Séparations lues', c.lignesLues], ['Lignes rejetées (voir ci-dessous)', c.lignesRejetees],
              ['Séparations avec enfant à charge retenues', c.retenus], ['Déjà suivies (pas ajoutées une seconde fois)', c.dejaSuivis],
              ['Courriels mis en file d’envoi', c.courrielsPrepares], ['Courriers à produire (publipostage du mois)', c.courriersAFaire],
              ['Personnes à risque sans canal sûr (jamais contactées)', c.nonContactables], ['Personnes opposées à tout contact', c.opposes],
              ['Sans canal possible', c.sansCanal],
            ].map(([l, n]) => [String(l), String(n)])}
          />
          {c.courriersAFaire > 0 ? <p><a className={fr.cx('fr-link')} href="/courriers/publipostage">Produire le publipostage du mois</a></p> : null}
          {result!.rapport.length > 0 ? (
            <Table caption={`Rapport des lignes${result!.rapportTronque ? ' (500 premières)' : ''}`} headers={['Ligne', 'Raison']} data={result!.rapport.map((r) => [r.ligne || '—', r.raison])} />
          ) : null}
        </section>
      ) : null}
    </>
  );
}
