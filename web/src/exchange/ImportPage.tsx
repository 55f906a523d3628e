import { useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Upload } from '@codegouvfr/react-dsfr/Upload';
import { call, client, messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { PACKAGES_KEY, uploadFile, useSendableProgrammes, type ImportRecord } from './api';
import { count, dateOnly, fileSize } from './display';
import { AccessDenied, isOfficer } from './access';
import { PROGRESS_STYLE } from './CycleFormPage';

type Outcome = { kind: 'imported'; record: ImportRecord } | { kind: 'refused'; message: string } | null;

/** /echanges/import: import a received package (its three files); record an acknowledgement. */
export function ImportPage() {
  const account = useCompte();
  if (!account) return null;
  if (!isOfficer(account)) return <AccessDenied account={account} />;
  return (
    <>
      <PageHeader title="Importer un paquet reçu" parent={{ label: 'Échanges sécurisés', to: '/echanges' }} />
      <p className={fr.cx('fr-text--lead')}>
        Déposez les trois fichiers du paquet que votre partenaire vous a transmis. Passerelle vérifie la signature de l'expéditeur, que le
        paquet vous est bien destiné, la convention et l'intégrité du contenu, puis ajoute les personnes à votre liste de travail.
      </p>
      <PackageImport organisation={account.organisation.nom} />
      <AcknowledgementForm />
    </>
  );
}

function PackageImport({ organisation }: { organisation: string }) {
  const programmes = useSendableProgrammes();
  const queryClient = useQueryClient();
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ label: string; fraction: number } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const result = useRef<HTMLDivElement>(null);
  const maxBytes = programmes.data?.tailleMaximale ?? Number.POSITIVE_INFINITY;

  function check(): string | null {
    if (files.length === 0) return 'Sélectionnez les trois fichiers du paquet (NOM.manifest.json, NOM.payload.age et NOM.sig).';
    const missing = [
      ['.manifest.json', 'NOM.manifest.json'],
      ['.payload.age', 'NOM.payload.age'],
      ['.sig', 'NOM.sig'],
    ].filter(([suffix]) => !files.some((f) => f.name.endsWith(suffix!)));
    if (missing.length > 0) return `Paquet incomplet : il manque ${missing.map(([, l]) => l).join(', ')}. Sélectionnez les trois fichiers ensemble (touche Ctrl ou Maj).`;
    const big = files.find((f) => f.size > maxBytes);
    if (big) return `Le fichier ${big.name} pèse ${fileSize(big.size)} : ${fileSize(maxBytes)} au plus.`;
    return null;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (progress) return;
    setOutcome(null);
    const problem = check();
    setError(problem);
    if (problem) return;
    const ids: string[] = [];
    try {
      for (const file of files) {
        const label = `Dépôt de ${file.name} (${fileSize(file.size)})`;
        setProgress({ label, fraction: 0 });
        ids.push((await uploadFile(file, 'paquet', (fraction) => setProgress({ label, fraction }))).id);
      }
      setProgress({ label: 'Vérification et import du paquet…', fraction: 1 });
      const { import: record } = await call(client.POST('/api/echanges/imports', { body: { televersements: ids } }));
      setOutcome({ kind: 'imported', record });
      await queryClient.invalidateQueries({ queryKey: PACKAGES_KEY });
    } catch (e) {
      setOutcome({ kind: 'refused', message: messageErreur(e) });
    } finally {
      setProgress(null);
      requestAnimationFrame(() => result.current?.focus());
    }
  }

  return (
    <section aria-labelledby="import-titre" className={fr.cx('fr-mb-6w')}>
      <h2 id="import-titre">Paquet reçu</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Upload
          multiple
          className={fr.cx('fr-mb-3w')}
          label="Les trois fichiers du paquet"
          hint="NOM.manifest.json, NOM.payload.age et NOM.sig, tels que reçus, sans les renommer. Sélectionnez-les ensemble."
          state={error ? 'error' : 'default'}
          stateRelatedMessage={error ?? undefined}
          nativeInputProps={{
            name: 'paquet',
            accept: '.json,.age,.sig',
            onChange: (e) => setFiles(Array.from(e.target.files ?? [])),
          }}
        />
        {files.length > 0 ? (
          <ul className={fr.cx('fr-text--sm')}>
            {files.map((f) => (
              <li key={f.name}>
                {f.name} ({fileSize(f.size)})
              </li>
            ))}
          </ul>
        ) : null}
        {progress ? (
          <div className={fr.cx('fr-mb-3w')}>
            <label htmlFor="import-progression" className={fr.cx('fr-label')}>
              {progress.label}
            </label>
            <progress id="import-progression" max={1} value={progress.fraction} style={PROGRESS_STYLE}>
              {Math.round(progress.fraction * 100)} %
            </progress>
          </div>
        ) : null}
        <Button type="submit" iconId="fr-icon-download-line" nativeButtonProps={{ 'aria-disabled': progress ? true : undefined }}>
          Vérifier et importer
        </Button>
      </form>
      <div ref={result} tabIndex={-1} className={fr.cx('fr-mt-4w')} aria-live="polite">
        {outcome?.kind === 'imported' ? (
          <Alert
            severity="success"
            as="h3"
            title={`Paquet importé : ${count(outcome.record.importes ?? 0)} personne(s) ajoutée(s) à la liste de travail de ${organisation}`}
            description={
              <ul className={fr.cx('fr-mb-0')}>
                <li>Paquet {outcome.record.nom}, envoyé par {outcome.record.expediteur}.</li>
                <li>
                  {count(outcome.record.recus ?? 0)} enregistrement(s) reçu(s), {count(outcome.record.importes ?? 0)} importé(s)
                  {outcome.record.dejaSuivis ? `, ${count(outcome.record.dejaSuivis)} déjà suivi(s) (non ajouté(s) une seconde fois)` : ''}.
                </li>
                <li>Données détruites au plus tard le {dateOnly(outcome.record.echeance)} (durée de conservation du programme).</li>
                <li>
                  {outcome.record.accuseEnregistre
                    ? 'L’accusé de réception signé a été remis à l’expéditeur.'
                    : 'Un accusé de réception signé a été produit : téléchargez-le depuis « Échanges sécurisés » et renvoyez-le à l’expéditeur.'}
                </li>
              </ul>
            }
          />
        ) : null}
        {outcome?.kind === 'refused' ? (
          <Alert severity="error" as="h3" title="Paquet refusé : rien n’a été importé" description={outcome.message} />
        ) : null}
      </div>
      <Button priority="secondary" linkProps={{ to: '/echanges' }} className={fr.cx('fr-mt-3w')}>
        Voir les paquets de mon organisme
      </Button>
    </section>
  );
}

function AcknowledgementForm() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!file || !file.name.endsWith('.accuse.json')) {
      setMessage({ ok: false, text: 'Sélectionnez le fichier d’accusé de réception (NOM.accuse.json) renvoyé par le destinataire.' });
      return;
    }
    setBusy(true);
    try {
      const uploaded = await uploadFile(file, 'paquet');
      const { accuse } = await call(client.POST('/api/echanges/accuses', { body: { televersement: uploaded.id } }));
      setMessage({ ok: true, text: `Accusé de réception enregistré : ${count(accuse.importes)} personne(s) importée(s) par le destinataire.` });
      await queryClient.invalidateQueries({ queryKey: PACKAGES_KEY });
    } catch (e) {
      setMessage({ ok: false, text: messageErreur(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="accuse" className={fr.cx('fr-mb-4w')}>
      <h2 id="accuse">Accusé de réception d'un paquet envoyé</h2>
      <p>Quand un partenaire importe un paquet que vous lui avez envoyé, il vous renvoie un accusé de réception signé : enregistrez-le ici.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Upload
          className={fr.cx('fr-mb-3w')}
          label="Accusé de réception"
          hint="Fichier NOM.accuse.json"
          state={message && !message.ok ? 'error' : 'default'}
          stateRelatedMessage={message && !message.ok ? message.text : undefined}
          nativeInputProps={{ name: 'accuse', accept: '.json', onChange: (e) => setFile(e.target.files?.[0] ?? null) }}
        />
        <Button type="submit" priority="secondary" nativeButtonProps={{ 'aria-disabled': busy ? true : undefined }}>
          Enregistrer l'accusé
        </Button>
      </form>
      <p role="status" className={fr.cx('fr-mt-2w')}>
        {message?.ok ? message.text : null}
      </p>
    </section>
  );
}
