import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { CallOut } from '@codegouvfr/react-dsfr/CallOut';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { ApiError, messageErreur } from '../api/client';
import { communesOf } from '../territories';
import type { Commune } from '../types';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';

function Organisme({ libelle, organisme }: { libelle: string; organisme: { code: string; nom: string } | null }) {
  return (
    <div className={fr.cx('fr-mb-1w')}>
      <dt className={fr.cx('fr-text--sm', 'fr-mb-0')} style={{ fontWeight: 700, color: 'var(--text-mention-grey)' }}>
        {libelle}
      </dt>
      <dd className={fr.cx('fr-mb-0', 'fr-text--md')} style={{ marginLeft: 0 }}>
        {organisme ? organisme.nom : <span className={fr.cx('fr-text--sm')}>Non renseigné pour cette commune</span>}
      </dd>
    </div>
  );
}

function CarteCommune({ commune }: { commune: Commune }) {
  return (
    <li className={fr.cx('fr-col-12', 'fr-col-md-6')}>
      <div className={fr.cx('fr-card', 'fr-card--no-arrow')} style={{ height: '100%' }}>
        <div className={fr.cx('fr-card__body')}>
          <div className={fr.cx('fr-card__content')}>
            <h3 className={fr.cx('fr-card__title')}>{commune.nom}</h3>
            <div className={fr.cx('fr-card__desc')}>
              <dl style={{ margin: 0, paddingLeft: 0 }}>
                <Organisme libelle="Caf" organisme={commune.caf} />
                <Organisme libelle="Caisse d'assurance maladie (CPAM)" organisme={commune.cpam} />
                <Organisme libelle="Carsat (service social, retraite)" organisme={commune.carsat} />
              </dl>
            </div>
            <div className={fr.cx('fr-card__start')}>
              <p className={fr.cx('fr-card__detail')}>
                {commune.departement.nom} ({commune.departement.code}) · code commune {commune.code}
              </p>
            </div>
          </div>
        </div>
      </div>
    </li>
  );
}

export function TerritoriesPage() {
  const [params, setParams] = useSearchParams();
  const codePostal = (params.get('codePostal') ?? '').trim();
  const [saisie, setSaisie] = useState(codePostal);
  const [erreurSaisie, setErreurSaisie] = useState<string | null>(null);
  const resultatsRef = useRef<HTMLHeadingElement>(null);
  const rechercheSoumise = useRef(false);

  useEffect(() => setSaisie(codePostal), [codePostal]);

  const requete = useQuery({
    queryKey: ['territoires', 'code-postal', codePostal],
    queryFn: ({ signal }) =>
      communesOf(codePostal, signal),
    enabled: codePostal !== '',
    staleTime: 60 * 60_000,
  });

  const erreur = requete.error;
  const erreurFormat = erreur instanceof ApiError && erreur.status === 400 ? erreur.message : null;
  const inconnu = erreur instanceof ApiError && erreur.status === 404 ? erreur.message : null;

  useEffect(() => {
    if (rechercheSoumise.current && !requete.isFetching && (requete.isSuccess || inconnu)) {
      rechercheSoumise.current = false;
      resultatsRef.current?.focus();
    }
  }, [requete.isFetching, requete.isSuccess, inconnu]);

  function rechercher(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const valeur = saisie.replace(/\s+/g, '');
    if (valeur === '') {
      setErreurSaisie('Saisissez un code postal de 5 chiffres, par exemple 83000.');
      return;
    }
    setErreurSaisie(null);
    rechercheSoumise.current = true;
    setParams({ codePostal: valeur });
  }

  const messageChamp = erreurSaisie ?? erreurFormat;
  const communes = requete.data?.communes ?? [];

  return (
    <>
      <PageHeader title="Trouver les organismes compétents" crumb="Organismes par code postal" titleClassName={null} />
      <p className={fr.cx('fr-text--lead')}>
        Pour chaque commune d'un code postal : la Caf, la caisse d'assurance maladie (CPAM) et la Carsat compétentes.
      </p>

      <form role="search" aria-label="Recherche par code postal" onSubmit={rechercher} noValidate className={fr.cx('fr-mb-4w')}>
        <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters', 'fr-grid-row--bottom')}>
          <div className={fr.cx('fr-col-12', 'fr-col-sm-6', 'fr-col-md-4')}>
            <Input
              label="Code postal"
              hintText="5 chiffres, par exemple 83000"
              className={fr.cx('fr-mb-0')}
              state={messageChamp ? 'error' : 'default'}
              stateRelatedMessage={messageChamp ?? undefined}
              nativeInputProps={{
                name: 'codePostal',
                'aria-invalid': messageChamp ? true : undefined,
                inputMode: 'numeric',
                autoComplete: 'postal-code',
                value: saisie,
                onChange: (event) => setSaisie(event.target.value),
              }}
            />
          </div>
          <div className={fr.cx('fr-col-12', 'fr-col-sm-6', 'fr-col-md-4')}>
            <Button type="submit" iconId="fr-icon-search-line" disabled={requete.isFetching}>
              Rechercher
            </Button>
          </div>
        </div>
      </form>

      {codePostal === '' && !erreurSaisie ? (
        <CallOut title="Quel code postal ?" titleAs="h2" iconId="fr-icon-information-line">
          Saisissez le code postal de la personne (5 chiffres, par exemple 83000 pour Toulon ou 59140 pour Dunkerque), puis
          choisissez « Rechercher ». Chaque commune de ce code postal s'affiche avec ses organismes compétents.
        </CallOut>
      ) : null}

      {codePostal !== '' && requete.isPending && requete.isFetching ? <Loading texte="Recherche des communes…" /> : null}

      {inconnu ? (
        <>
          <h2 ref={resultatsRef} tabIndex={-1} className={fr.cx('fr-sr-only')}>
            Aucun résultat
          </h2>
          <Alert severity="warning" title={`Code postal ${codePostal} introuvable`} description={inconnu} />
        </>
      ) : null}

      {erreur && !erreurFormat && !inconnu ? (
        <Alert severity="error" as="h2" title="La recherche n'a pas abouti" description={messageErreur(erreur)} />
      ) : null}

      {requete.isSuccess ? (
        <section aria-labelledby="titre-resultats">
          <h2 id="titre-resultats" ref={resultatsRef} tabIndex={-1}>
            {communes.length === 0
              ? `Aucune commune pour le code postal ${requete.data.codePostal}`
              : communes.length === 1
                ? `1 commune pour le code postal ${requete.data.codePostal}`
                : `${communes.length} communes pour le code postal ${requete.data.codePostal}`}
          </h2>
          <ul className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')} style={{ listStyle: 'none', paddingLeft: 0 }}>
            {communes.map((commune) => (
              <CarteCommune key={commune.code} commune={commune} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
