import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Select } from '@codegouvfr/react-dsfr/SelectNext';
import { Upload } from '@codegouvfr/react-dsfr/Upload';
import { useFileUpload } from '../components/useFileUpload';
import { RowReport } from '../components/RowReport';
import { PageHeader } from '../components/PageHeader';
import { fetchWorklist, uploadOutcomes, type OutcomesReport } from './api';

const RESULT_LABELS: Record<OutcomesReport['rapport'][number]['resultat'], string> = { enregistree: 'Enregistrée', deja_enregistree: 'Déjà enregistrée', rejetee: 'Rejetée' };

/** /listes/resultats — bulk outcomes upload (CSV pseudonyme;date;evenement;detail) with a row report. */
export function OutcomesImportPage() {
  const lists = useQuery({ queryKey: ['listes', 'organisations'], queryFn: () => fetchWorklist(new URLSearchParams({ taille: '1' })) });
  const [organisation, setOrganisation] = useState('');
  const [programme, setProgramme] = useState('');
  const organisations = lists.data?.organisations ?? [];
  const target = organisation || organisations[0] || '';
  const programmes = lists.data?.programmes ?? [];
  const chosen = programmes.find((p) => p.code === programme) ?? (programmes.length === 1 ? programmes[0] : undefined);

  const { setFile, error, report, pending, resultRef: result, submit } = useFileUpload(
    (file) => uploadOutcomes(file, target, chosen?.code),
    'Sélectionnez le fichier CSV des résultats.',
  );


  return (
    <>
      <PageHeader title="Importer des résultats d'appels" crumb="Importer des résultats" parent={{ label: 'Listes de travail', to: '/listes' }} />
      <p className={fr.cx('fr-text--lead')}>
        Déposez un fichier CSV exporté par votre outil d'appels, avec les colonnes <code>pseudonyme;date;evenement;detail</code> (séparateur point-virgule ou virgule).
        Chaque ligne valide est enregistrée ; chaque ligne rejetée est signalée avec son numéro et la raison.
        Un résultat déjà enregistré (même personne, même date, même événement) ne l'est jamais une seconde fois : un fichier peut être déposé à nouveau sans risque.
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate className={fr.cx('fr-mb-4w')}>
        {programmes.length > 1 ? (
          <Select label="Programme" hint="Les codes d'événement sont ceux de ce programme." nativeSelectProps={{ value: chosen?.code ?? '', onChange: (e) => setProgramme(e.target.value), name: 'programme' }}
            options={[{ value: '', label: 'Tous les programmes de mes listes' }, ...programmes.map((p) => ({ value: p.code, label: p.titre }))]} />
        ) : null}
        {organisations.length > 1 ? (
          <Select label="Listes de l'organisme" nativeSelectProps={{ value: target, onChange: (e) => setOrganisation(e.target.value) }} options={organisations.map((o) => ({ value: o, label: o }))} />
        ) : null}
        <Upload className={fr.cx('fr-mb-3w')} label="Fichier des résultats" hint="Format CSV, UTF-8 ou Windows-1252. Dates AAAA-MM-JJ ou JJ/MM/AAAA, avec l'heure éventuellement. Événements : ceux du programme (liste ci-dessous)."
          state={error ? 'error' : 'default'} stateRelatedMessage={error ?? undefined}
          nativeInputProps={{ name: 'resultats', accept: '.csv,text/csv', onChange: (e) => setFile(e.target.files?.[0] ?? null) }} />
        <Button type="submit" iconId="fr-icon-upload-line" disabled={pending}>Importer les résultats</Button>
      </form>
      {chosen ? (
        <details className={fr.cx('fr-mb-4w')}>
          <summary>Événements possibles pour le programme « {chosen.titre} » (colonne evenement)</summary>
          <div className={fr.cx('fr-table', 'fr-mt-2w')}>
            <table>
              <caption>Vocabulaire du programme</caption>
              <thead><tr><th scope="col">Code à indiquer</th><th scope="col">Signification</th><th scope="col">Colonne detail</th></tr></thead>
              <tbody>
                {chosen.evenements.map((e) => (
                  <tr key={e.code}><td><code>{e.code}</code></td><td>{e.libelle}</td><td>{e.detail}{e.partenaires.length > 0 ? ` (${e.partenaires.join(', ')})` : ''}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      <div ref={result} tabIndex={-1} aria-live="polite">
        {report ? (
          <>
            <Alert severity={report.rejetees === 0 ? 'success' : 'warning'} as="h2" className={fr.cx('fr-mb-3w')}
              title={`${report.enregistrees} résultat(s) enregistré(s), ${report.rejetees} ligne(s) rejetée(s) sur ${report.lignes}, ${report.dejaEnregistrees} déjà enregistré(s) auparavant`}
              description={report.rejetees > 0
                ? 'Corrigez les lignes rejetées ci-dessous puis déposez-les à nouveau. Un résultat déjà enregistré n’est jamais enregistré une seconde fois : vous pouvez renvoyer tout le fichier.'
                : report.dejaEnregistrees > 0 ? 'Les résultats déjà enregistrés auparavant (même personne, même date, même événement) n’ont pas été enregistrés une seconde fois.' : 'Toutes les lignes ont été enregistrées.'} />
            <RowReport rows={report.rapport.map((r) => ({ ligne: r.ligne, resultat: RESULT_LABELS[r.resultat], detail: r.motif }))} />
          </>
        ) : null}
      </div>
    </>
  );
}
