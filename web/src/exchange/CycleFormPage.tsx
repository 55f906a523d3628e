import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Upload } from '@codegouvfr/react-dsfr/Upload';
import { ApiError, call, client, messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { CYCLES_KEY, uploadFile, useSendableProgrammes, type SendableProgramme } from './api';
import { fileSize } from './display';
import { AccessDenied, isOfficer } from './access';
import { usePrecheck, type Precheck } from '../conventions/api';

const currentMonth = () => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
};

type Errors = Record<string, string>;

export const PROGRESS_STYLE = { display: 'block', width: '100%', height: '1rem', accentColor: 'var(--background-action-high-blue-france)' } as const;

/** /echanges/cycle: upload the month's extract and start the cycle. */
export function CycleFormPage() {
  const account = useCompte();
  const programmes = useSendableProgrammes();
  if (!account) return null;
  if (!isOfficer(account)) return <AccessDenied account={account} />;
  return (
    <>
      <PageHeader title="Lancer le cycle du mois" parent={{ label: 'Échanges sécurisés', to: '/echanges' }} />
      <p className={fr.cx('fr-text--lead')}>
        Déposez l'extrait du mois : Passerelle contrôle chaque ligne, retient les personnes du programme, scelle un paquet chiffré par
        organisme destinataire et vous donne le rapport des lignes rejetées.
      </p>
      {programmes.isPending ? <Loading texte="Chargement des programmes…" /> : null}
      {programmes.isError ? <Alert severity="error" small description={messageErreur(programmes.error)} /> : null}
      {programmes.isSuccess && programmes.data.programmes.length === 0 ? (
        <Alert
          severity="info"
          as="h2"
          title="Aucun programme à envoyer"
          description={`${programmes.data.organisation.nom} n'envoie les paquets d'aucun programme : vous recevez des paquets de vos partenaires, que vous importez depuis « Importer un paquet reçu ».`}
        />
      ) : null}
      {programmes.isSuccess && programmes.data.programmes.length > 0 ? (
        <CycleForm programmes={programmes.data.programmes} maxBytes={programmes.data.tailleMaximale} />
      ) : null}
    </>
  );
}

function CycleForm({ programmes, maxBytes }: { programmes: SendableProgramme[]; maxBytes: number }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [programmeId, setProgrammeId] = useState(programmes[0]!.id);
  const [month, setMonth] = useState(currentMonth());
  const [files, setFiles] = useState<Record<string, File | null>>({});
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ label: string; fraction: number } | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const programme = programmes.find((p) => p.id === programmeId) ?? programmes[0]!;
  // The convention check runs before any upload: a large extract is not sent for nothing.
  const precheck = usePrecheck(programme.id);

  function check(): Errors {
    const found: Errors = {};
    if (!/^\d{4}-\d{2}$/.test(month)) found.mois = 'Indiquez le mois traité, au format AAAA-MM (par exemple 2026-11).';
    for (const f of programme.fichiers) {
      const file = files[f.cle];
      if (!file) {
        if (f.obligatoire) found[`fichiers.${f.cle}`] = `Déposez le fichier « ${f.titre} ».`;
      } else if (file.size === 0) found[`fichiers.${f.cle}`] = `Le fichier ${file.name} est vide (0 octet).`;
      else if (file.size > maxBytes) {
        found[`fichiers.${f.cle}`] = `Le fichier ${file.name} pèse ${fileSize(file.size)} : ${fileSize(maxBytes)} au plus. Découpez l'extrait ou lancez le cycle en ligne de commande.`;
      }
    }
    return found;
  }

  function showErrors(found: Errors, message: string) {
    setErrors(found);
    setGeneral(message);
    requestAnimationFrame(() => summary.current?.focus());
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (progress) return;
    const found = check();
    if (Object.keys(found).length > 0) return showErrors(found, 'Le cycle ne peut pas être lancé : corrigez les points signalés.');
    let conventions: Precheck | undefined;
    try {
      conventions = (await precheck.refetch({ throwOnError: true })).data;
    } catch (error) {
      return showErrors({}, messageErreur(error));
    }
    if (conventions && conventions.forme === 'echange' && !conventions.destinataires.some((d) => d.ok)) {
      return showErrors(
        { programme: `Aucun organisme destinataire n'a de convention active avec votre organisme pour ce programme : rien ne serait transmis. Faites signer la convention (page Conventions) avant de déposer l'extrait.` },
        "Le cycle ne peut pas être lancé : aucune convention active.",
      );
    }
    setErrors({});
    setGeneral(null);
    const ids: Record<string, string> = {};
    try {
      for (const f of programme.fichiers) {
        const file = files[f.cle];
        if (!file) continue;
        setProgress({ label: `Dépôt de ${file.name} (${fileSize(file.size)})`, fraction: 0 });
        try {
          const uploaded = await uploadFile(file, 'extrait', (fraction) =>
            setProgress({ label: `Dépôt de ${file.name} (${fileSize(file.size)})`, fraction }),
          );
          ids[f.cle] = uploaded.id;
        } catch (error) {
          setProgress(null);
          return showErrors({ [`fichiers.${f.cle}`]: messageErreur(error) }, 'Un fichier a été refusé : corrigez le point signalé.');
        }
      }
      setProgress({ label: 'Lancement du cycle…', fraction: 1 });
      const { cycle } = await call(client.POST('/api/echanges/cycles', { body: { programme: programme.id, mois: month, fichiers: ids } }));
      await queryClient.invalidateQueries({ queryKey: CYCLES_KEY });
      navigate(`/echanges/cycles/${cycle.id}`);
    } catch (error) {
      setProgress(null);
      const champs = error instanceof ApiError ? error.champs : {};
      showErrors(champs, messageErreur(error));
    }
  }

  const state = (key: string) => (errors[key] ? ('error' as const) : ('default' as const));
  const listed = Object.entries(errors);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={general ? 'cycle-erreurs' : undefined}>
      <div ref={summary} tabIndex={-1} id="cycle-erreurs">
        {general ? (
          <Alert
            severity="error"
            as="h2"
            title={general}
            description={
              listed.length > 0 ? (
                <ul className={fr.cx('fr-mb-0')}>
                  {listed.map(([key, message]) => (
                    <li key={key}>{message}</li>
                  ))}
                </ul>
              ) : undefined
            }
            className={fr.cx('fr-mb-4w')}
          />
        ) : null}
      </div>
      {programmes.length > 1 ? (
        <Select
          label="Programme"
          state={state('programme')}
          stateRelatedMessage={errors.programme}
          nativeSelectProps={{ value: programmeId, onChange: (e) => setProgrammeId(e.target.value), name: 'programme' }}
        >
          {programmes.map((p) => (
            <option key={p.id} value={p.id}>
              {p.titre}
            </option>
          ))}
        </Select>
      ) : (
        <p>
          Programme : <strong>{programme.titre}</strong>
        </p>
      )}
      <ConventionCheck precheck={precheck.data} pending={precheck.isPending} />
      <Input
        label="Mois traité"
        hintText="Format AAAA-MM, par exemple 2026-11 pour novembre 2026 : les demandes de ce mois sont ciblées."
        state={state('mois')}
        stateRelatedMessage={errors.mois}
        nativeInputProps={{ type: 'month', name: 'mois', value: month, onChange: (e) => setMonth(e.target.value), required: true, pattern: '\\d{4}-\\d{2}' }}
      />
      {programme.fichiers.map((f) => (
        <Upload
          key={f.cle}
          className={fr.cx('fr-mb-4w')}
          label={`${f.titre}${f.obligatoire ? '' : ' (facultatif)'}`}
          hint={`Fichier ${f.nom} de votre système, au format CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252) ou XLSX ; ${fileSize(maxBytes)} au plus.${
            f.obligatoire ? '' : ' Sans ce fichier, seuls les bénéficiaires sont ciblés, pas les demandeurs du mois.'
          }`}
          state={state(`fichiers.${f.cle}`)}
          stateRelatedMessage={errors[`fichiers.${f.cle}`]}
          nativeInputProps={{
            name: f.cle,
            accept: '.csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            required: f.obligatoire,
            onChange: (e) => setFiles((current) => ({ ...current, [f.cle]: e.target.files?.[0] ?? null })),
          }}
        />
      ))}
      {progress ? (
        <div className={fr.cx('fr-mb-3w')}>
          <label htmlFor="depot-progression" className={fr.cx('fr-label')}>
            {progress.label}
          </label>
          <progress id="depot-progression" max={1} value={progress.fraction} style={PROGRESS_STYLE}>
            {Math.round(progress.fraction * 100)} %
          </progress>
        </div>
      ) : null}
      <Button type="submit" iconId="fr-icon-play-circle-line" nativeButtonProps={{ 'aria-disabled': progress ? true : undefined }}>
        Déposer et lancer le cycle
      </Button>
    </form>
  );
}

/** Which recipients of the programme lack an active convention with the organisation, before anything is uploaded. */
function ConventionCheck({ precheck, pending }: { precheck: Precheck | undefined; pending: boolean }) {
  if (pending) return <p className={fr.cx('fr-text--sm')}>Vérification des conventions…</p>;
  if (!precheck) return null;
  if (precheck.forme !== 'echange') {
    return <p className={fr.cx('fr-text--sm')}>Programme interne : les personnes retenues rejoignent la liste de travail de votre organisme, rien n'est transmis.</p>;
  }
  const missing = precheck.destinataires.filter((d) => !d.ok);
  if (missing.length === 0) {
    return (
      <p className={fr.cx('fr-text--sm')} data-testid="conventions-ok">
        Conventions actives avec {precheck.destinataires.map((d) => d.nom).join(', ')}.
      </p>
    );
  }
  return (
    <Alert
      severity="warning"
      as="h2"
      small={false}
      title={`${missing.length} organisme(s) destinataire(s) sans convention active pour ce programme`}
      description={
        <>
          <ul>
            {missing.map((d) => (
              <li key={d.organisation}>
                <strong>{d.nom}</strong> : {d.raison}
              </li>
            ))}
          </ul>
          <p className={fr.cx('fr-mb-0')}>
            Les personnes de ces organismes ne seront pas transmises. L'administrateur de votre organisme ou du destinataire propose et signe la
            convention depuis la page <Link to={precheck.page}>Conventions</Link>.
          </p>
        </>
      }
      className={fr.cx('fr-mb-3w')}
    />
  );
}
