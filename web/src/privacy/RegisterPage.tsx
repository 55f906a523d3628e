import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Accordion } from '@codegouvfr/react-dsfr/Accordion';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { call, client, messageErreur, type ApiOk } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { AccessDenied } from '../exchange/access';
import { count, dateOnly, dateTime, DownloadLink } from '../exchange/display';

type RegisterEntry = ApiOk<'/api/registre'>['entrees'][number];
type DestructionsAnswer = ApiOk<'/api/registre/destructions'>;
type ChainCheck = ApiOk<'/api/audit/verification'>;

const RUN_STATUS: Record<string, string> = { en_cours: 'en cours', reussie: 'réussie', echouee: 'échouée', interrompue: 'interrompue (relancée à la prochaine exécution)' };

/** "2026-10-01" → "1 octobre 2026"; an instant → "5 décembre 2026 à 14:05" (Paris time). */
const longDate = (iso: string) => new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: /^\d{4}-\d{2}-\d{2}$/.test(iso) ? 'UTC' : 'Europe/Paris' })
  .format(new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso));
const longDateTime = (iso: string) => `${longDate(iso)} à ${new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).format(new Date(iso))}`;


export const canSeeRegister = (roles: string[]) => roles.includes('dpo') || roles.includes('administrateur');

/** /registre: the processing register of the organisation, its download, and the destruction records. */
export function RegisterPage() {
  const account = useCompte();
  const allowed = account ? canSeeRegister(account.roles) : false;
  const register = useQuery({
    queryKey: ['registre'],
    queryFn: ({ signal }) => call(client.GET('/api/registre', { signal })),
    enabled: allowed,
  });
  const destructions = useQuery({
    queryKey: ['registre', 'destructions'],
    queryFn: ({ signal }) => call(client.GET('/api/registre/destructions', { signal })),
    enabled: allowed,
  });
  if (!account) return null;
  if (!allowed) return <AccessDenied account={account} who="au délégué à la protection des données et aux administrateurs" />;

  return (
    <>
      <PageHeader title="Registre des traitements" />
      <p className={fr.cx('fr-text--lead')}>
        Les traitements de données personnelles que {account.organisation.nom} met en œuvre dans Passerelle (article 30 du RGPD), établis à
        partir des programmes et des conventions locales, et les preuves de destruction des données.
      </p>
      {register.isPending ? <Loading texte="Chargement du registre…" /> : null}
      {register.isError ? <Alert severity="error" title="Le registre n’a pas pu être chargé" description={messageErreur(register.error)} /> : null}
      {register.isSuccess ? (
        <>
          <p>
            Registre au {dateOnly(register.data.date)} : <strong>{count(register.data.entrees.length)} fiche(s)</strong>, une par programme et
            par convention.
          </p>
          <ul className={fr.cx('fr-mb-4w')} style={{ listStyle: 'none', paddingLeft: 0 }}>
            <li className={fr.cx('fr-mb-2w')}>
              <DownloadLink href="/api/registre.csv" label="Télécharger le registre" details="CSV, séparateur « ; », lisible dans un tableur" />
            </li>
            <li>
              <a className={fr.cx('fr-link', 'fr-link--sm')} href="/api/registre" target="_blank" rel="noopener" title="Registre au format JSON – nouvelle fenêtre">
                Registre au format JSON (pour un outil de gestion de la conformité)
              </a>
            </li>
          </ul>
          <h2>Fiches du registre</h2>
          <div className={fr.cx('fr-accordions-group', 'fr-mb-6w')}>
            {register.data.entrees.map((e) => (
              <Entry key={e.reference} entry={e} />
            ))}
          </div>
        </>
      ) : null}

      <h2 id="destructions">Preuves de destruction</h2>
      <p>
        Chaque destruction de données arrivées à échéance est inscrite au journal d'audit chaîné : date, programme, paquet, nombre de personnes
        et empreinte SHA-256 de leurs pseudonymes triés — jamais les données elles-mêmes. Qui détient les pseudonymes d'un paquet peut
        recalculer l'empreinte (<code>LC_ALL=C sort pseudonymes.txt | sha256sum</code>).
      </p>
      {destructions.isPending ? <Loading texte="Chargement des destructions…" /> : null}
      {destructions.isSuccess ? <DestructionStatus state={destructions.data} /> : null}
      {destructions.isError ? <Alert severity="error" small description={messageErreur(destructions.error)} /> : null}
      {destructions.isSuccess && destructions.data.destructions.length === 0 ? (
        <div className={fr.cx('fr-callout', 'fr-mb-4w')} data-etat="vide">
          <p className={fr.cx('fr-callout__text')}>
            Aucune destruction enregistrée pour l'instant : les données importées sont détruites automatiquement à leur échéance de
            conservation, et chaque destruction apparaîtra ici.
          </p>
        </div>
      ) : null}
      {destructions.isSuccess && destructions.data.destructions.length > 0 ? (
        <>
          <div className={fr.cx('fr-mb-2w')}>
            <DownloadLink href="/api/registre/destructions.csv" label="Télécharger les preuves de destruction" details="CSV, séparateur « ; »" />
          </div>
          <Table
            bordered
            fixed={false}
            caption="Destructions enregistrées au journal d'audit"
            noCaption
            headers={['Date', 'Programme', 'Paquet', 'Personnes', 'Empreinte SHA-256 des pseudonymes', 'Entrée du journal']}
            data={destructions.data.destructions.map((d) => [
              dateTime(d.horodatage),
              d.programme ?? '',
              <code key="p" className={fr.cx('fr-text--xs')}>{d.paquet ?? 'liste propre'}</code>,
              count(d.nombre),
              <code key="e" className={fr.cx('fr-text--xs')} style={{ wordBreak: 'break-all' }}>
                {d.empreinteSha256}
              </code>,
              `n° ${d.entree}`,
            ])}
          />
        </>
      ) : null}
      <ChainVerification />
    </>
  );
}

function ChainVerification() {
  const [state, setState] = useState<{ busy: boolean; result: ChainCheck | null; error: string | null }>({ busy: false, result: null, error: null });
  async function verify() {
    if (state.busy) return;
    setState({ busy: true, result: null, error: null });
    try {
      setState({ busy: false, result: await call(client.GET('/api/audit/verification')), error: null });
    } catch (e) {
      setState({ busy: false, result: null, error: messageErreur(e) });
    }
  }
  return (
    <section className={fr.cx('fr-mt-4w')} aria-labelledby="verification-titre">
      <h3 id="verification-titre" className={fr.cx('fr-h5')}>
        Intégrité du journal d'audit
      </h3>
      <Button priority="secondary" iconId="fr-icon-shield-line" onClick={() => void verify()} nativeButtonProps={{ 'aria-disabled': state.busy ? true : undefined }}>
        Vérifier le chaînage du journal
      </Button>
      <p role="status" className={fr.cx('fr-mt-2w')}>
        {state.busy ? 'Vérification en cours…' : null}
        {state.result?.ok ? `Journal intègre : ${count(state.result.entries)} entrée(s) vérifiée(s), aucune modifiée ni supprimée.` : null}
        {state.result && !state.result.ok ? `Journal altéré : ${state.result.reason}.` : null}
        {state.error}
      </p>
    </section>
  );
}

function Entry({ entry }: { entry: RegisterEntry }) {
  const label = `${entry.programmeTitre} — ${entry.convention ? `convention ${entry.convention}` : 'fiche modèle (aucune convention)'}`;
  const rows: [string, React.ReactNode][] = [
    ['Référence', entry.reference],
    ['Document source', entry.document],
    ['Convention', entry.convention ? `${entry.convention} (${entry.statutConvention ?? ''})` : 'Aucune : fiche modèle'],
    ['Responsable du traitement', entry.responsableTraitement],
    ['Finalité', entry.finalite],
    ['Usages interdits', entry.usagesInterdits],
    ['Base légale', <List key="b" items={entry.baseLegale} />],
    ['Catégories de personnes', entry.categoriesPersonnes],
    [
      'Catégories de données',
      <ul key="c" className={fr.cx('fr-mb-0')}>
        {entry.categoriesDonnees.map((c) => (
          <li key={c.categorie}>
            {c.categorie}
            {c.sensible ? (
              <>
                {' '}
                <Badge as="span" small severity="warning" noIcon>
                  sensible
                </Badge>
              </>
            ) : null}{' '}
            : {c.champs.join(', ')}
          </li>
        ))}
      </ul>,
    ],
    ['Champs transmis', entry.champsTransmis.length > 0 ? entry.champsTransmis.join(', ') : 'Aucun'],
    ['Destinataires', <List key="d" items={entry.destinataires} />],
    ['Transferts hors UE', entry.transfertsHorsUE],
    ['Durée de conservation', entry.conservation],
    ['Mesures de sécurité', <List key="m" items={entry.mesuresSecurite} />],
  ];
  return (
    <Accordion label={label} titleAs="h3">
      {entry.donneesSensibles ? (
        <p>
          <Badge as="span" severity="warning" small>
            Données sensibles
          </Badge>
        </p>
      ) : null}
      <Table bordered fixed={false} caption={`Fiche ${entry.reference}`} noCaption headers={['Rubrique', 'Contenu']} data={rows.map(([k, v]) => [k, v])} />
    </Accordion>
  );
}

function List({ items }: { items: string[] }) {
  return (
    <ul className={fr.cx('fr-mb-0')}>
      {items.map((i) => (
        <li key={i}>{i}</li>
      ))}
    </ul>
  );
}

/** Overdue records (past their deadline, not yet destroyed) and the destruction job's last run. */
function DestructionStatus({ state }: { state: DestructionsAnswer }) {
  const run = state.derniereExecution;
  const runText = run
    ? `Dernière exécution de la destruction automatique : le ${longDateTime(run.debut)}, ${RUN_STATUS[run.statut] ?? run.statut}${run.message ? ` — ${run.message}` : ''}`
    : 'La destruction automatique ne s’est encore jamais exécutée sur cette instance.';
  return (
    <div className={fr.cx('fr-mb-4w')} data-etat="destruction">
      {state.retard.nombre > 0 ? (
        <Alert severity="warning" className={fr.cx('fr-mb-2w')} title={`${count(state.retard.nombre)} personne(s) dont l’échéance de conservation est dépassée`}
          description={`Leurs données n’ont pas encore été détruites (échéance la plus ancienne : ${state.retard.plusAncienneEcheance ? longDate(state.retard.plusAncienneEcheance) : 'inconnue'}). La destruction automatique passe toutes les heures et au démarrage du serveur ; si ce nombre ne baisse pas, vérifiez que les tâches planifiées tournent.`} />
      ) : (
        <Alert severity="success" small className={fr.cx('fr-mb-2w')} description="Aucune donnée conservée au-delà de son échéance." />
      )}
      <p className={fr.cx('fr-text--sm')}>{runText}</p>
    </div>
  );
}
