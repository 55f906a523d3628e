import { useState, type FormEvent } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { ApiError, messageErreur } from '../api/client';
import { PageTitle } from '../components/PageTitle';
import { downloadMailing, mailingPreview, type MailingReport } from './api';

const PROGRAMMES = [
  { id: 'separation', label: 'Séparation et familles monoparentales' },
  { id: 'aidants', label: 'Aller vers les proches aidants' },
];

const currentMonth = () => new Date().toISOString().slice(0, 7);

/** The month's mailing: what it would hold, then the merged PDF of every letter still to send (recorded as sent). */
export function MailingPage() {
  const [programme, setProgramme] = useState('separation');
  const [month, setMonth] = useState(currentMonth());
  const [report, setReport] = useState<MailingReport | null>(null);
  const [errors, setErrors] = useState<{ message: string; champs: Record<string, string> } | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  async function preview(event?: FormEvent) {
    event?.preventDefault();
    setErrors(null);
    setStatus('');
    try {
      setReport((await mailingPreview(programme, month)).publipostage);
    } catch (error) {
      setReport(null);
      setErrors({ message: messageErreur(error), champs: error instanceof ApiError ? error.champs : {} });
    }
  }

  async function produce() {
    if (busy) return;
    setBusy(true);
    setErrors(null);
    try {
      const file = await downloadMailing(programme, month);
      const count = file.headers.get('x-passerelle-courriers') ?? '?';
      setStatus(`Publipostage téléchargé : ${file.fileName} (${count} courrier(s)). Les envois sont notés dans l'historique de chaque personne.`);
      await preview();
      setStatus(`Publipostage téléchargé : ${file.fileName} (${count} courrier(s)). Les envois sont notés dans l'historique de chaque personne.`);
    } catch (error) {
      setErrors({ message: messageErreur(error), champs: {} });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageTitle titre="Publipostage du mois" />
      <p>
        Un seul fichier PDF avec le courrier de chaque personne de la liste du mois qui n'a pas encore reçu l'offre, prêt à imprimer et à mettre
        sous enveloppe à fenêtre. Les personnes signalées à risque de violences ne reçoivent jamais de courrier au domicile, ni celles qui se sont
        opposées à tout contact.
      </p>
      <form onSubmit={(e) => void preview(e)} noValidate>
        <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
          <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>
            <Select label="Démarche" nativeSelectProps={{ id: 'publipostage-programme', value: programme, onChange: (e) => setProgramme(e.target.value) }}>
              {PROGRAMMES.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
            </Select>
          </div>
          <div className={fr.cx('fr-col-12', 'fr-col-md-3')}>
            <Input
              label="Mois de la liste"
              hintText="Format : AAAA-MM"
              state={errors?.champs.mois ? 'error' : 'default'}
              stateRelatedMessage={errors?.champs.mois}
              nativeInputProps={{ id: 'publipostage-mois', type: 'month', value: month, onChange: (e) => setMonth(e.target.value), 'aria-invalid': errors?.champs.mois ? true : undefined }}
            />
          </div>
        </div>
        <Button type="submit" priority="secondary">Voir le publipostage</Button>
      </form>
      <div role="status" className={fr.cx('fr-mt-2w')}>{status}</div>
      {errors ? <Alert severity="error" small description={errors.message} className={fr.cx('fr-mt-2w')} /> : null}
      {report ? (
        <section aria-labelledby="publipostage-resultat" className={fr.cx('fr-mt-4w')}>
          <h2 id="publipostage-resultat" className={fr.cx('fr-h4')}>
            {report.courriers} courrier(s) à produire sur {report.personnes} personne(s) de la liste
          </h2>
          {report.exclus.length > 0 ? (
            <Table caption="Personnes sans courrier, par raison" headers={['Raison', 'Personnes']} data={report.exclus.map((e) => [e.raison, String(e.nombre)])} />
          ) : null}
          <Button type="button" iconId="fr-icon-download-line" disabled={report.courriers === 0} onClick={() => void produce()}
            nativeButtonProps={{ 'aria-busy': busy ? true : undefined }}>
            Télécharger le publipostage (PDF)
          </Button>
        </section>
      ) : null}
    </>
  );
}
