import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { RadioButtons } from '@codegouvfr/react-dsfr/RadioButtons';
import { Select } from '@codegouvfr/react-dsfr/SelectNext';
import { Upload } from '@codegouvfr/react-dsfr/Upload';
import { ApiError, messageErreur } from '../api/client';
import { useFileUpload } from '../components/useFileUpload';
import { RowReport } from '../components/RowReport';
import { communesOf } from '../territories';
import { PageTitle } from '../components/PageTitle';
import {
  dateLongue, fetchSignalements, postSignalement, rapportCsv, uploadSignalements, RESULTATS, type SignalementBody, type SignalementCree, type StatutSignalement,
} from './api';

const aujourdHui = () => new Date().toISOString().slice(0, 10);

const VIDE: Record<string, string> = {
  nir: '', nom: '', prenom: '', sexe: '', date_naissance: '', code_postal: '', code_commune: '', commune: '', telephone: '',
  date_signalement: aujourdHui(), date_entree: '', date_sortie_prevue: '', ald: '', c2s: '', minimum_social: 'aucun',
  sans_complementaire: '', difficulte_financement_soins: '', retraite: '', gir: '',
};

const SEVERITE: Record<StatutSignalement, 'info' | 'success' | 'error'> = { recu: 'info', pris_en_charge: 'success', refuse: 'error' };

/** /signalements — a health establishment signals people leaving hospital to the Carsat social service and follows their status. */
export function SignalementsPage() {
  const client = useQueryClient();
  const liste = useQuery({ queryKey: ['signalements'], queryFn: fetchSignalements });
  const [valeurs, setValeurs] = useState(VIDE);
  const [champs, setChamps] = useState<Record<string, string>>({});
  const [erreur, setErreur] = useState<string | null>(null);
  const [cree, setCree] = useState<SignalementCree | null>(null);
  const [communes, setCommunes] = useState<{ code: string; nom: string }[]>([]);
  const resultat = useRef<HTMLDivElement>(null);
  const maj = (k: string, v: string) => setValeurs((x) => ({ ...x, [k]: v }));

  // The communes of the postal code, from the public competence lookup.
  useEffect(() => {
    if (!/^\d{5}$/.test(valeurs.code_postal ?? '')) { setCommunes([]); return; }
    const controller = new AbortController();
    communesOf(valeurs.code_postal ?? '', controller.signal)
      .then((r) => {
        const list = r.communes.map((c) => ({ code: c.code, nom: c.nom }));
        setCommunes(list);
        if (list.length === 1) setValeurs((x) => ({ ...x, code_commune: list[0]!.code, commune: list[0]!.nom }));
      })
      .catch(() => setCommunes([]));
    return () => controller.abort();
  }, [valeurs.code_postal]);

  const envoi = useMutation({
    // The form keeps every field as text; the server checks each one and answers per field (`champs`).
    mutationFn: () => postSignalement(Object.fromEntries(Object.entries(valeurs).filter(([k, v]) => v !== '' || k === 'gir')) as SignalementBody),
    onSuccess: (r) => {
      setCree(r); setChamps({}); setErreur(null); setValeurs({ ...VIDE, date_signalement: aujourdHui() }); setCommunes([]);
      void client.invalidateQueries({ queryKey: ['signalements'] });
    },
    onError: (e) => { setCree(null); setErreur(messageErreur(e)); setChamps(e instanceof ApiError ? e.champs : {}); },
    onSettled: () => requestAnimationFrame(() => resultat.current?.focus()),
  });

  function soumettre(event: FormEvent) {
    event.preventDefault();
    envoi.mutate();
  }

  const etat = (k: string) => (champs[k] ? { state: 'error' as const, stateRelatedMessage: champs[k] } : {});
  const texte = (k: string, label: string, extra: { hint?: string; type?: string; autoComplete?: string; width?: string } = {}) => (
    <Input label={label} hintText={extra.hint} {...etat(k)}
      nativeInputProps={{ id: `signalement-${k}`, name: k, type: extra.type ?? 'text', value: valeurs[k], autoComplete: extra.autoComplete ?? 'off', 'aria-invalid': champs[k] ? true : undefined, onChange: (e) => maj(k, e.target.value) }} />
  );
  const choix = (k: string, legend: string, options: [string, string][], hint?: string) => (
    <RadioButtons legend={legend} hintText={hint} name={k} orientation="horizontal" {...etat(k)}
      options={options.map(([value, label]) => ({ label, nativeInputProps: { value, checked: valeurs[k] === value, onChange: () => maj(k, value) } }))} />
  );
  const ouiNon: [string, string][] = [['oui', 'Oui'], ['non', 'Non']];

  return (
    <>
      <PageTitle titre="Signalements de sortie d'hospitalisation" className={fr.cx('fr-mb-2w')} />
      <p className={fr.cx('fr-text--lead')}>
        Signalez au service social de la Carsat les patients qui sortent d'hospitalisation avec un besoin d'aide pour le retour à domicile.
        Le signalement va à la Carsat compétente pour la commune où vit la personne. Vous suivez ici l'état de vos signalements ; le détail de
        l'accompagnement reste confidentiel.
      </p>

      <section aria-labelledby="formulaire-titre" className={fr.cx('fr-mb-6w')}>
        <h2 id="formulaire-titre">Signaler une personne</h2>
        <form onSubmit={soumettre} noValidate>
          <fieldset className={fr.cx('fr-fieldset')}>
            <legend className={fr.cx('fr-fieldset__legend', 'fr-h4')}>La personne</legend>
            <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')} style={{ width: '100%' }}>
              <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>{texte('nir', 'Numéro de sécurité sociale', { hint: '15 caractères avec la clé, espaces acceptés' })}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>{texte('date_naissance', 'Date de naissance', { type: 'date' })}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>{texte('nom', 'Nom de naissance')}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>{texte('prenom', 'Prénom')}</div>
              <div className={fr.cx('fr-col-12')}>{choix('sexe', 'Sexe', [['F', 'Femme'], ['M', 'Homme']])}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>{texte('code_postal', 'Code postal du domicile', { hint: '5 chiffres' })}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>
                <Select label="Commune du domicile" {...etat('code_commune')}
                  nativeSelectProps={{ id: 'signalement-code_commune', name: 'code_commune', value: valeurs.code_commune, 'aria-invalid': champs.code_commune ? true : undefined,
                    onChange: (e) => { const c = communes.find((x) => x.code === e.target.value); setValeurs((x) => ({ ...x, code_commune: c?.code ?? '', commune: c?.nom ?? '' })); } }}
                  placeholder={communes.length ? 'Choisissez la commune' : 'Saisissez d’abord le code postal'}
                  options={communes.map((c) => ({ value: c.code, label: c.nom }))} />
              </div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>{texte('telephone', 'Téléphone (facultatif)', { type: 'tel', hint: 'De la personne ou de son entourage' })}</div>
            </div>
          </fieldset>
          <fieldset className={fr.cx('fr-fieldset')}>
            <legend className={fr.cx('fr-fieldset__legend', 'fr-h4')}>L'hospitalisation</legend>
            <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')} style={{ width: '100%' }}>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>{texte('date_entree', "Date d'entrée", { type: 'date' })}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>{texte('date_sortie_prevue', 'Date de sortie prévue', { type: 'date' })}</div>
              <div className={fr.cx('fr-col-12', 'fr-col-md-4')}>{texte('date_signalement', 'Date du signalement', { type: 'date' })}</div>
            </div>
          </fieldset>
          <fieldset className={fr.cx('fr-fieldset')}>
            <legend className={fr.cx('fr-fieldset__legend', 'fr-h4')}>Critères indicatifs (au moins un)</legend>
            <div style={{ width: '100%' }}>
              {choix('ald', 'Affection de longue durée (ALD)', [['oui', 'Oui, reconnue'], ['en_cours', 'En cours de reconnaissance'], ['non', 'Non']])}
              {choix('c2s', 'Bénéficiaire de la complémentaire santé solidaire (C2S)', ouiNon)}
              <Select label="Minimum social perçu" {...etat('minimum_social')}
                nativeSelectProps={{ id: 'signalement-minimum_social', name: 'minimum_social', value: valeurs.minimum_social, onChange: (e) => maj('minimum_social', e.target.value) }}
                options={[
                  { value: 'aucun', label: 'Aucun' }, { value: 'aah', label: 'Allocation aux adultes handicapés (AAH)' }, { value: 'rsa', label: 'Revenu de solidarité active (RSA)' },
                  { value: 'ass', label: 'Allocation de solidarité spécifique (ASS)' }, { value: 'asi', label: "Allocation supplémentaire d'invalidité (ASI)" },
                  { value: 'aspa', label: 'Allocation de solidarité aux personnes âgées (ASPA)' },
                ]} />
              {choix('sans_complementaire', 'Sans complémentaire santé', ouiNon)}
              {choix('difficulte_financement_soins', 'Difficulté à financer les soins, même avec une complémentaire', ouiNon)}
              {choix('retraite', 'Retraité du régime général', ouiNon, "Un retraité en GIR 5 ou 6 peut bénéficier de l'aide au retour à domicile après hospitalisation (ARDH).")}
              {valeurs.retraite === 'oui' ? (
                <Select label="GIR (degré d'autonomie)" hint="1 = dépendance la plus forte, 6 = autonome ; laissez vide s'il n'est pas connu" {...etat('gir')}
                  nativeSelectProps={{ id: 'signalement-gir', name: 'gir', value: valeurs.gir, onChange: (e) => maj('gir', e.target.value) }}
                  options={[{ value: '', label: 'Non connu' }, ...['1', '2', '3', '4', '5', '6'].map((g) => ({ value: g, label: `GIR ${g}` }))]} />
              ) : null}
            </div>
          </fieldset>
          <Button type="submit" iconId="fr-icon-send-plane-line" disabled={envoi.isPending}>Transmettre le signalement</Button>
        </form>
        <div ref={resultat} tabIndex={-1} aria-live="polite" className={fr.cx('fr-mt-3w')}>
          {cree ? <Alert severity={cree.resultat === 'deja_suivi' ? 'info' : 'success'} small description={cree.message} /> : null}
          {erreur ? (
            <Alert severity="error" small description={<>{erreur}{Object.keys(champs).length ? <ul>{Object.entries(champs).filter(([k]) => !(k === 'commune' && champs.code_commune)).map(([k, m]) => <li key={k}>{m}</li>)}</ul> : null}</>} />
          ) : null}
        </div>
      </section>

      <ImportFichier onDone={() => void client.invalidateQueries({ queryKey: ['signalements'] })} />

      <section aria-labelledby="liste-titre">
        <h2 id="liste-titre">Vos signalements</h2>
        {liste.isError ? <Alert severity="error" small description={messageErreur(liste.error)} /> : null}
        {liste.data && liste.data.signalements.length === 0 ? <p>Aucun signalement pour l'instant.</p> : null}
        {liste.data && liste.data.signalements.length > 0 ? (
          <div className={fr.cx('fr-table')}>
            <table>
              <caption>{liste.data.total} signalement(s) de {liste.data.etablissement.nom} (FINESS {liste.data.etablissement.finess})</caption>
              <thead><tr><th scope="col">Date du signalement</th><th scope="col">Personne</th><th scope="col">Transmis à</th><th scope="col">Statut</th></tr></thead>
              <tbody>
                {liste.data.signalements.map((s) => (
                  <tr key={s.id}>
                    <td>{dateLongue(s.dateSignalement)}</td>
                    <td>{s.personne}{s.dejaSuivi ? ' (déjà suivie)' : ''}</td>
                    <td>{s.organisme.nom}</td>
                    <td><Badge severity={SEVERITE[s.statut]} small noIcon>{s.statutLibelle}</Badge></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <p className={fr.cx('fr-text--sm')}>
          « Reçu » : la Carsat n'a pas encore joint la personne ou son entourage. « Pris en charge » : la personne a accepté l'accompagnement du
          service social. « Refusé » : la personne a décliné l'accompagnement ou refusé d'être contactée.
        </p>
      </section>
    </>
  );
}

function ImportFichier({ onDone }: { onDone: () => void }) {
  const { setFile, error: erreur, report: rapport, pending, resultRef: zone, submit: envoyer } = useFileUpload(async (file) => {
    const r = await uploadSignalements(file);
    onDone();
    return r;
  }, 'Sélectionnez le fichier CSV des signalements.');

  const telecharger = rapport ? URL.createObjectURL(new Blob([rapportCsv(rapport)], { type: 'text/csv;charset=utf-8' })) : null;
  return (
    <section aria-labelledby="fichier-titre" className={fr.cx('fr-mb-6w')}>
      <h2 id="fichier-titre">Envoyer un fichier de signalements</h2>
      <p>
        Un fichier CSV (séparateur point-virgule) au format « signalements de sortie d'hospitalisation », une ligne par personne. Chaque ligne va à la
        Carsat compétente ; chaque ligne rejetée est signalée avec son numéro et la raison.
      </p>
      <form onSubmit={(e) => void envoyer(e)} noValidate>
        <Upload className={fr.cx('fr-mb-3w')} label="Fichier des signalements" hint="Format CSV, UTF-8 ou Windows-1252, en-tête : date_signalement;finess_etablissement;etablissement;nir;…"
          state={erreur ? 'error' : 'default'} stateRelatedMessage={erreur ?? undefined}
          nativeInputProps={{ id: 'signalements-fichier', name: 'fichier', accept: '.csv,text/csv', onChange: (e) => setFile(e.target.files?.[0] ?? null) }} />
        <Button type="submit" priority="secondary" iconId="fr-icon-upload-line" disabled={pending}>Envoyer le fichier</Button>
      </form>
      <div ref={zone} tabIndex={-1} aria-live="polite" className={fr.cx('fr-mt-3w')}>
        {rapport ? (
          <>
            <Alert severity={rapport.rejetees === 0 ? 'success' : 'warning'} small
              description={`${rapport.lignes} ligne(s) lue(s) : ${rapport.ajoutes} signalement(s) transmis, ${rapport.dejaSuivis} personne(s) déjà suivie(s), ${rapport.rejetees} ligne(s) rejetée(s).`} />
            {telecharger ? <p className={fr.cx('fr-mt-2w')}><a className={fr.cx('fr-link', 'fr-icon-download-line', 'fr-link--icon-left')} href={telecharger} download="signalements.rapport.csv">Télécharger le rapport ligne par ligne (CSV)</a></p> : null}
            <RowReport rows={rapport.rapport.map((r) => ({ ligne: r.ligne, resultat: RESULTATS[r.resultat], detail: r.raison }))} />
          </>
        ) : null}
      </div>
    </section>
  );
}
