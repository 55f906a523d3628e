import { Link, useParams } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { ButtonsGroup } from '@codegouvfr/react-dsfr/ButtonsGroup';
import { Stepper } from '@codegouvfr/react-dsfr/Stepper';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { messageErreur } from '../api/client';
import { useCompte } from '../session';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { isRunning, packageFileUrl, reportUrl, useCycle, type Cycle, type CycleResult } from './api';
import { count, dateTime, DownloadLink, fileSize, monthLabel } from './display';
import { AccessDenied, canRead, isOfficer } from './access';
import { PROGRESS_STYLE } from './CycleFormPage';

const STEPS: { phase: Cycle['statut'][]; title: string }[] = [
  { phase: ['en_attente'], title: 'Préparation de l’extrait' },
  { phase: ['lecture'], title: 'Lecture et contrôle des lignes' },
  { phase: ['scellement'], title: 'Scellement des paquets' },
  { phase: ['termine', 'echec'], title: 'Résultat' },
];

/** /echanges/cycles/:id: progress while the cycle runs, then its result. */
export function CyclePage() {
  const { id = '' } = useParams();
  const account = useCompte();
  const query = useCycle(id);
  if (!account) return null;
  if (!canRead(account)) return <AccessDenied account={account} />;
  const cycle = query.data?.cycle;
  const title = cycle ? `Cycle ${cycle.programmeTitre}, ${monthLabel(cycle.periode)}` : 'Cycle mensuel';

  return (
    <>
      <PageHeader title={title} parent={{ label: 'Échanges sécurisés', to: '/echanges' }} />
      {query.isPending ? <Loading texte="Chargement du cycle…" /> : null}
      {query.isError ? <Alert severity="error" title="Cycle indisponible" description={messageErreur(query.error)} /> : null}
      {cycle ? <CycleView cycle={cycle} officer={isOfficer(account)} /> : null}
    </>
  );
}

function CycleView({ cycle, officer }: { cycle: Cycle; officer: boolean }) {
  const step = Math.max(0, STEPS.findIndex((s) => s.phase.includes(cycle.statut)));
  const running = isRunning(cycle.statut);
  const fraction = cycle.octetsTotal > 0 ? Math.min(1, cycle.octetsLus / cycle.octetsTotal) : 0;
  return (
    <>
      <p>
        Lancé le {dateTime(cycle.creeLe)}
        {cycle.termineLe ? `, terminé le ${dateTime(cycle.termineLe)}` : ''}. Fichiers déposés : {cycle.formats.map((f) => f.toUpperCase()).join(', ')}.
      </p>
      <Stepper
        currentStep={step + 1}
        stepCount={STEPS.length}
        title={STEPS[step]!.title}
        nextTitle={STEPS[step + 1]?.title}
        className={fr.cx('fr-mb-3w')}
      />
      {running ? (
        <section aria-labelledby="progression-titre" className={fr.cx('fr-mb-4w')}>
          <h2 id="progression-titre" className={fr.cx('fr-h4')}>
            Progression
          </h2>
          {cycle.reprise ? <Alert severity="info" small description={cycle.reprise} className={fr.cx('fr-mb-2w')} data-reprise /> : null}
          <label htmlFor="cycle-progression" className={fr.cx('fr-label', 'fr-mb-1w')}>
            {cycle.statut === 'en_attente'
              ? 'En attente : le cycle démarre dès qu’un serveur est libre (un autre cycle peut être en cours).'
              : cycle.statut === 'lecture'
                ? `Lecture : ${Math.round(fraction * 100)} % de ${fileSize(cycle.octetsTotal)}`
                : 'Lecture terminée : scellement des paquets'}
          </label>
          <progress id="cycle-progression" max={1} value={cycle.statut === 'lecture' || cycle.statut === 'scellement' ? fraction : undefined} style={PROGRESS_STYLE}>
            {Math.round(fraction * 100)} %
          </progress>
          <p role="status" className={fr.cx('fr-sr-only')}>
            {STEPS[step]!.title}
          </p>
          <p className={fr.cx('fr-mt-1w')} data-progression>
            {count(cycle.lignes)} ligne(s) lue(s) · {count(cycle.paquetsScelles)} paquet(s) scellé(s)
          </p>
          <p className={fr.cx('fr-text--sm')}>Vous pouvez quitter cette page : le cycle continue sur le serveur et reste consultable dans « Échanges sécurisés ».</p>
        </section>
      ) : null}
      {cycle.statut === 'echec' ? (
        <>
          <Alert severity="error" as="h2" title="Le cycle n’a pas abouti : aucun paquet n’a été scellé" description={cycle.erreur ?? ''} className={fr.cx('fr-mb-4w')} />
          {officer ? (
            <Button linkProps={{ to: '/echanges/cycle' }} iconId="fr-icon-refresh-line">
              Corriger l'extrait et relancer
            </Button>
          ) : null}
        </>
      ) : null}
      {cycle.statut === 'termine' && cycle.resultat ? <Result cycle={cycle} result={cycle.resultat} /> : null}
    </>
  );
}

function Result({ cycle, result }: { cycle: Cycle; result: CycleResult }) {
  const listes = result.listes ?? [];
  const inHouse = listes.length > 0 && result.paquets.length === 0 && result.refus.length === 0;
  const rows: [string, number, string][] = [
    ['Lignes lues', result.lignesLues, 'toutes les lignes de l’extrait principal, en-tête exclu'],
    ['Lignes rejetées', result.lignesRejetees, 'voir le rapport : numéro de ligne et raison'],
    ['Valeurs ignorées', result.valeursIgnorees, 'courriel ou téléphone mal formé : non transmis, ligne conservée'],
    ['Personnes non ciblées', result.nonCibles, 'hors de la règle du programme ce mois-ci'],
    ['Personnes exclues', result.exclus, 'exclusions du programme'],
    ['Personnes non contactables', result.nonContactables, 'personnes à risque sans canal sûr : non transmises'],
    ['Sans organisme destinataire', result.sansDestinataire, 'commune ou code postal sans organisme compétent'],
    ['Doublons', result.doublons, 'même personne sur plusieurs lignes : transmise une fois'],
    ['Personnes retenues', result.retenus, ''],
    ...(inHouse
      ? [['Ajoutées à la liste de travail', result.ajoutes ?? 0, 'nouvelles personnes du mois'], ['Déjà suivies', result.dejaSuivis ?? 0, 'suivi en cours ou terminé depuis peu : pas ajoutées une seconde fois']] as [string, number, string][]
      : [['Personnes transmises', result.transmis, 'dans les paquets scellés']] as [string, number, string][]),
  ];
  return (
    <>
      <Alert
        severity={result.refus.length > 0 ? 'warning' : 'success'}
        as="h2"
        title={inHouse
          ? `Cycle terminé : ${count(result.ajoutes ?? 0)} personne(s) ajoutée(s) à votre liste de travail, ${count(result.dejaSuivis ?? 0)} déjà suivie(s)`
          : `Cycle terminé : ${count(result.paquets.length)} paquet(s) scellé(s), ${count(result.transmis)} personne(s) transmise(s)`}
        description={
          result.refus.length > 0
            ? `${result.refus.length} organisme(s) destinataire(s) refusé(s) : les personnes concernées n’ont pas été transmises (détail ci-dessous).`
            : `Cycle réalisé en ${Math.max(1, Math.round(result.dureeMs / 1000))} s ; le rapport des lignes détaille les lignes rejetées ou corrigées.`
        }
        className={fr.cx('fr-mb-4w')}
      />
      <h2>Rapport des lignes</h2>
      <p>
        Chaque ligne rejetée ou corrigée, avec son numéro dans le fichier et la raison ; jamais les valeurs elles-mêmes.
      </p>
      <div className={fr.cx('fr-mb-4w')}>
        <DownloadLink
          href={reportUrl(cycle.id)}
          name={result.rapport ?? undefined}
          label="Télécharger le rapport des lignes"
          details={`CSV – ${result.rapport ?? ''} – ${count(result.lignesRejetees)} ligne(s) rejetée(s), ${count(result.valeursIgnorees)} valeur(s) ignorée(s)`}
        />
      </div>
      <Table
        bordered
        caption="Comptes du cycle"
        headers={['Étape', 'Nombre', 'Explication']}
        data={rows.map(([label, n, why]) => [label, count(n), why])}
        className={fr.cx('fr-mb-4w')}
      />
      {inHouse ? (
        <p>
          Programme interne : aucune donnée personnelle n’a quitté votre organisme. Les personnes sont sur votre{' '}
          <a className={fr.cx('fr-link')} href="/listes">liste de travail</a>.
        </p>
      ) : null}
      {inHouse ? null : <h2>Paquets par destinataire</h2>}
      {inHouse ? null : result.paquets.length === 0 ? (
        <p>Aucun paquet : aucune personne du mois n'a pu être transmise.</p>
      ) : (
        <Table
          bordered
          fixed={false}
          caption="Paquets scellés"
          noCaption
          headers={['Destinataire', 'Convention', 'Personnes', 'Champs transmis', 'Fichiers à transmettre']}
          data={result.paquets.map((p) => [
            p.destinataireNom,
            p.convention,
            count(p.nombre),
            p.champs.join(', '),
            <ul key="f" className={fr.cx('fr-mb-0')} style={{ listStyle: 'none', paddingLeft: 0 }}>
              {[
                ['manifeste', 'manifest.json'],
                ['contenu', 'payload.age'],
                ['signature', 'sig'],
              ].map(([file, suffix]) => (
                <li key={file}>
                  <a className={fr.cx('fr-link', 'fr-link--sm', 'fr-link--download')} href={packageFileUrl(p.id, file!)} download>
                    {p.nom}.{suffix}
                  </a>
                </li>
              ))}
            </ul>,
          ])}
        />
      )}
      {result.refus.length > 0 ? (
        <>
          <h2>Destinataires refusés</h2>
          {result.refus.map((r) => (
            <Alert
              key={r.destinataire}
              severity="warning"
              small
              description={`${r.destinataireNom} : ${count(r.personnes)} personne(s) non transmise(s). ${r.raison}`}
              className={fr.cx('fr-mb-2w')}
            />
          ))}
          {result.refus.some((r) => r.raison.includes('/conventions')) ? (
            <p>
              Les conventions se proposent et se signent depuis la page <Link to="/conventions">Conventions</Link> (administrateurs des deux organismes).
            </p>
          ) : null}
        </>
      ) : null}
      <ButtonsGroup
        inlineLayoutWhen="md and up"
        className={fr.cx('fr-mt-4w')}
        buttons={[
          { children: 'Voir tous les paquets', linkProps: { to: '/echanges' } },
          { children: 'Retour à l’accueil', priority: 'secondary', linkProps: { to: '/' } },
        ]}
      />
    </>
  );
}
