import { useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { ApiError, call, client, messageErreur, type FieldErrors } from '../api/client';
import { estAdministrateur, useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { FieldsCheckbox } from './FieldsCheckbox';
import { Loading } from '../components/Loading';
import { AccessDenied } from '../exchange/access';
import { CONVENTIONS_KEY, useProposalModels, type Org, type ProposalModel } from './api';

const today = () => new Date().toISOString().slice(0, 10);

/** /conventions/nouvelle: an administrator drafts a convention from an exchange programme and signs it for their organisation. */
export function ProposalPage() {
  const account = useCompte();
  const models = useProposalModels(estAdministrateur(account));
  if (!account) return null;
  if (!estAdministrateur(account)) return <AccessDenied account={account} who="aux administrateurs" />;
  return (
    <>
      <PageHeader title="Proposer une convention" parent={{ label: 'Conventions', to: '/conventions' }} />
      <p className={fr.cx('fr-text--lead')}>
        Vous proposez la convention et la signez pour votre organisme ; l'administrateur de l'autre organisme la relit et la signe. Elle devient
        active une fois signée par les deux, à sa date de début.
      </p>
      {models.isPending ? <Loading texte="Chargement des programmes…" /> : null}
      {models.isError ? <Alert severity="error" small description={messageErreur(models.error)} /> : null}
      {models.isSuccess && models.data.programmes.length === 0 ? (
        <Alert severity="info" small description={`${models.data.organisation.nom} ne prend part à aucun programme d'échange.`} />
      ) : null}
      {models.isSuccess && models.data.programmes.length > 0 ? <Form organisation={models.data.organisation} programmes={models.data.programmes} /> : null}
    </>
  );
}

function Form({ organisation, programmes }: { organisation: Org; programmes: ProposalModel[] }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [programmeId, setProgrammeId] = useState(programmes[0]!.id);
  const programme = programmes.find((p) => p.id === programmeId)!;
  const [partenaire, setPartenaire] = useState('');
  const [champs, setChamps] = useState<string[]>(programme.champs.map((f) => f.champ));
  const [dateDebut, setDateDebut] = useState(today());
  const [qualite, setQualite] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const other = programme.role === 'expediteur' ? 'destinataire' : 'expediteur';

  function choose(id: string) {
    const p = programmes.find((x) => x.id === id)!;
    setProgrammeId(id);
    setChamps(p.champs.map((f) => f.champ));
    setPartenaire('');
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!partenaire) found[other] = `Choisissez l'organisme ${other === 'destinataire' ? 'destinataire' : 'expéditeur'}.`;
    if (champs.length === 0) found.champs = 'Cochez au moins une donnée transmise.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dateDebut)) found.dateDebut = 'Indiquez la date de début.';
    if (Object.keys(found).length > 0) {
      setErrors(found);
      setGeneral('La convention ne peut pas être proposée : corrigez les points signalés.');
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    setBusy(true);
    try {
      const body = {
        programme: programme.id,
        expediteur: programme.role === 'expediteur' ? organisation.code : partenaire,
        destinataire: programme.role === 'destinataire' ? organisation.code : partenaire,
        champs,
        dateDebut,
        qualite,
      };
      const { convention } = await call(client.POST('/api/conventions', { body }));
      await queryClient.invalidateQueries({ queryKey: CONVENTIONS_KEY });
      navigate(`/conventions/${encodeURIComponent(convention.id)}`);
    } catch (error) {
      setBusy(false);
      setErrors(error instanceof ApiError ? error.champs : {});
      setGeneral(messageErreur(error));
      requestAnimationFrame(() => summary.current?.focus());
    }
  }

  const state = (key: string) => (errors[key] ? ('error' as const) : ('default' as const));
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <div ref={summary} tabIndex={-1}>
        {general ? <Alert severity="error" as="h2" title={general} description={Object.values(errors).join(' ')} className={fr.cx('fr-mb-4w')} /> : null}
      </div>
      <Select label="Programme" nativeSelectProps={{ value: programmeId, onChange: (e) => choose(e.target.value), name: 'programme' }}>
        {programmes.map((p) => (
          <option key={p.id} value={p.id}>
            {p.titre}
          </option>
        ))}
      </Select>
      <p>
        {programme.role === 'expediteur'
          ? `${organisation.nom} envoie les données (expéditeur) à l'organisme destinataire que vous choisissez.`
          : `${organisation.nom} reçoit les données (destinataire) de l'organisme expéditeur que vous choisissez.`}
      </p>
      <Select
        label={other === 'destinataire' ? 'Organisme destinataire' : 'Organisme expéditeur'}
        state={state(other)}
        stateRelatedMessage={errors[other]}
        nativeSelectProps={{ value: partenaire, onChange: (e) => setPartenaire(e.target.value), name: other, required: true }}
      >
        <option value="" disabled>
          Choisissez un organisme
        </option>
        {programme.partenaires.map((o) => (
          <option key={o.code} value={o.code}>
            {o.nom}
          </option>
        ))}
      </Select>
      <FieldsCheckbox
        legend="Données transmises"
        hintText="Ne cochez que les données nécessaires : chacune dit pourquoi le programme en a besoin. Les autres ne passeront jamais."
        error={errors.champs}
        fields={programme.champs}
        value={champs}
        onChange={setChamps}
      />
      <Input
        label="Date de début"
        hintText="La convention vaut un an à partir de cette date et se renouvelle par tacite reconduction."
        state={state('dateDebut')}
        stateRelatedMessage={errors.dateDebut}
        nativeInputProps={{ type: 'date', value: dateDebut, onChange: (e) => setDateDebut(e.target.value), name: 'dateDebut', required: true }}
      />
      <Input
        label="Votre qualité (facultatif)"
        hintText="Vous signez pour votre organisme. Par exemple : directeur, directrice adjointe."
        nativeInputProps={{ value: qualite, onChange: (e) => setQualite(e.target.value), name: 'qualite' }}
      />
      <Button type="submit" iconId="fr-icon-edit-line" disabled={busy}>
        Signer et proposer la convention
      </Button>
    </form>
  );
}
