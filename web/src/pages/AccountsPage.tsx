import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Checkbox } from '@codegouvfr/react-dsfr/Checkbox';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/Select';
import { Table } from '@codegouvfr/react-dsfr/Table';
import { ApiError, call, client, messageErreur, type ApiBody, type FieldErrors } from '../api/client';
import { estAdministrateur, useCompte } from '../session';
import { AccessDenied } from '../components/AccessDenied';
import { LIBELLES_TYPE_ORGANISATION, useLibelleRole, useRoles } from '../roles';
import type { CodeRole, CompteAdministre, CompteSession, Organisation } from '../types';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';

const COMPTES_KEY = ['administration', 'comptes'] as const;
const ORGANISATIONS_KEY = ['organisations'] as const;

const LIBELLES_CHAMPS: Record<string, string> = {
  email: 'Adresse électronique',
  nom: 'Nom et prénom',
  organisationCode: 'Organisme',
  roles: 'Rôles',
  motDePasse: 'Mot de passe',
  actif: 'État du compte',
  version: 'Version',
};

function focusApresRendu(element: () => HTMLElement | null) {
  requestAnimationFrame(() => element()?.focus());
}

/** Field messages the form does not show next to a field (unknown keys), listed in the summary. */
function ChampsNonAffiches({ champs, affiches }: { champs: FieldErrors; affiches: string[] }) {
  const autres = Object.entries(champs).filter(([cle]) => !affiches.includes(cle));
  if (autres.length === 0) return null;
  return (
    <ul className={fr.cx('fr-mt-1w')}>
      {autres.map(([cle, message]) => (
        <li key={cle}>
          {LIBELLES_CHAMPS[cle] ?? cle} : {message}
        </li>
      ))}
    </ul>
  );
}

function CasesRoles({
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- passed by both forms, not used yet: both forms' checkboxes are named 'roles'
  idPrefixe,
  valeur,
  onChange,
  erreur,
  legende,
}: {
  idPrefixe: string;
  valeur: CodeRole[];
  onChange: (roles: CodeRole[]) => void;
  erreur?: string;
  legende: string;
}) {
  const ROLES = useRoles();
  return (
    <Checkbox
      legend={legende}
      hintText="Cochez au moins un rôle. Un compte peut cumuler plusieurs rôles."
      state={erreur ? 'error' : 'default'}
      stateRelatedMessage={erreur}
      options={ROLES.map((role) => ({
        label: role.libelle,
        nativeInputProps: {
          name: 'roles',
          value: role.code,
          checked: valeur.includes(role.code),
          onChange: (event) =>
            onChange(
              event.target.checked
                ? ROLES.map((r) => r.code).filter((code) => code === role.code || valeur.includes(code))
                : valeur.filter((code) => code !== role.code),
            ),
        },
      }))}
    />
  );
}

function OptionsOrganisations({ organisations }: { organisations: Organisation[] }) {
  const parType = new Map<string, Organisation[]>();
  for (const organisation of organisations) {
    const liste = parType.get(organisation.type) ?? [];
    liste.push(organisation);
    parType.set(organisation.type, liste);
  }
  const ordre = Object.keys(LIBELLES_TYPE_ORGANISATION);
  const types = [...parType.keys()].sort((a, b) => {
    const ia = ordre.indexOf(a);
    const ib = ordre.indexOf(b);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  });
  if (types.length === 1) {
    return (
      <>
        {organisations.map((o) => (
          <option key={o.code} value={o.code}>
            {o.nom}
          </option>
        ))}
      </>
    );
  }
  return (
    <>
      {types.map((type) => (
        <optgroup key={type} label={LIBELLES_TYPE_ORGANISATION[type] ?? type}>
          {(parType.get(type) ?? [])
            .slice()
            .sort((a, b) => a.nom.localeCompare(b.nom, 'fr'))
            .map((o) => (
              <option key={o.code} value={o.code}>
                {o.nom}
              </option>
            ))}
        </optgroup>
      ))}
    </>
  );
}

type NouveauCompte = ApiBody<'/api/comptes', 'post'>;

function FormulaireCreation({
  administrateur,
  organisations,
  onCree,
}: {
  administrateur: CompteSession;
  organisations: Organisation[];
  onCree: (compte: CompteAdministre) => void;
}) {
  const queryClient = useQueryClient();
  const uneSeule = organisations.length === 1 ? organisations[0] : undefined;
  const [valeurs, setValeurs] = useState<NouveauCompte>({
    email: '',
    nom: '',
    organisationCode: uneSeule?.code ?? (administrateur.organisation.type === 'national' ? '' : administrateur.organisation.code),
    roles: [],
    motDePasse: '',
  });
  const alerteRef = useRef<HTMLDivElement>(null);

  const creation = useMutation({
    mutationFn: (corps: NouveauCompte) => call(client.POST('/api/comptes', { body: corps })),
    onSuccess: async ({ compte }) => {
      await queryClient.invalidateQueries({ queryKey: COMPTES_KEY });
      onCree(compte);
    },
    onError: () => focusApresRendu(() => alerteRef.current),
  });

  const erreur = creation.error;
  const champs: FieldErrors = erreur instanceof ApiError ? { ...erreur.champs } : {};
  if (erreur instanceof ApiError && erreur.status === 409 && !champs.email) champs.email = erreur.message;

  function soumettre(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    creation.mutate({ ...valeurs, email: valeurs.email.trim(), nom: valeurs.nom.trim() });
  }

  const maj = <K extends keyof NouveauCompte>(cle: K, valeur: NouveauCompte[K]) => setValeurs((v) => ({ ...v, [cle]: valeur }));

  return (
    <form onSubmit={soumettre} noValidate aria-labelledby="titre-creation">
      {erreur ? (
        <div ref={alerteRef} tabIndex={-1} className={fr.cx('fr-mb-3w')} style={{ outline: 'none' }}>
          <Alert
            severity="error"
            role="alert"
            title="Le compte n'a pas été créé"
            description={
              <>
                {messageErreur(erreur)}
                <ChampsNonAffiches champs={champs} affiches={['email', 'nom', 'organisationCode', 'roles', 'motDePasse']} />
              </>
            }
          />
        </div>
      ) : null}
      <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
        <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>
          <Input
            label="Nom et prénom"
            state={champs.nom ? 'error' : 'default'}
            stateRelatedMessage={champs.nom}
            nativeInputProps={{
              id: 'creation-nom',
              'aria-invalid': champs.nom ? true : undefined,
              name: 'nom',
              autoComplete: 'off',
              value: valeurs.nom,
              onChange: (e) => maj('nom', e.target.value),
            }}
          />
        </div>
        <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>
          <Input
            label="Adresse électronique professionnelle"
            hintText="Elle sert d'identifiant de connexion."
            state={champs.email ? 'error' : 'default'}
            stateRelatedMessage={champs.email}
            nativeInputProps={{
              id: 'creation-email',
              'aria-invalid': champs.email ? true : undefined,
              name: 'email',
              type: 'email',
              autoComplete: 'off',
              value: valeurs.email,
              onChange: (e) => maj('email', e.target.value),
            }}
          />
        </div>
        <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>
          <Select
            label="Organisme"
            hint={uneSeule ? 'Vous gérez les comptes de cet organisme uniquement.' : undefined}
            state={champs.organisationCode ? 'error' : 'default'}
            stateRelatedMessage={champs.organisationCode}
            disabled={uneSeule !== undefined}
            nativeSelectProps={{
              id: 'creation-organisation',
              'aria-invalid': champs.organisationCode ? true : undefined,
              name: 'organisationCode',
              value: valeurs.organisationCode,
              onChange: (e) => maj('organisationCode', e.target.value),
            }}
          >
            {uneSeule ? null : (
              <option value="" disabled>
                Sélectionnez un organisme
              </option>
            )}
            <OptionsOrganisations organisations={organisations} />
          </Select>
        </div>
        <div className={fr.cx('fr-col-12', 'fr-col-md-6')}>
          <Input
            label="Mot de passe provisoire"
            hintText="12 caractères au moins. Communiquez-le à la personne par un canal sûr."
            state={champs.motDePasse ? 'error' : 'default'}
            stateRelatedMessage={champs.motDePasse}
            nativeInputProps={{
              id: 'creation-mot-de-passe',
              'aria-invalid': champs.motDePasse ? true : undefined,
              name: 'motDePasse',
              type: 'password',
              autoComplete: 'new-password',
              value: valeurs.motDePasse,
              onChange: (e) => maj('motDePasse', e.target.value),
            }}
          />
        </div>
        <div className={fr.cx('fr-col-12')}>
          <CasesRoles
            idPrefixe="creation"
            legende="Rôles"
            valeur={valeurs.roles}
            onChange={(roles) => maj('roles', roles)}
            erreur={champs.roles}
          />
        </div>
      </div>
      <Button type="submit" iconId="fr-icon-user-add-line" disabled={creation.isPending}>
        {creation.isPending ? 'Création en cours…' : 'Créer le compte'}
      </Button>
    </form>
  );
}

type Modifications = ApiBody<'/api/comptes/{id}', 'patch'>;

function FormulaireModification({
  compte,
  conflit,
  onConflit,
  onEnregistre,
  onAnnule,
}: {
  compte: CompteAdministre;
  conflit: string | null;
  onConflit: (message: string) => void;
  onEnregistre: (compte: CompteAdministre) => void;
  onAnnule: () => void;
}) {
  const queryClient = useQueryClient();
  const [nom, setNom] = useState(compte.nom);
  const [roles, setRoles] = useState<CodeRole[]>(compte.roles);
  const [actif, setActif] = useState(compte.actif);
  const [motDePasse, setMotDePasse] = useState('');
  const [rien, setRien] = useState(false);
  const titreRef = useRef<HTMLHeadingElement>(null);
  const alerteRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Opening the form (or reloading it after a conflict) takes the focus there.
    if (conflit) alerteRef.current?.focus();
    else titreRef.current?.focus();
  }, [conflit]);

  const modification = useMutation({
    mutationFn: (corps: Modifications) =>
      call(client.PATCH('/api/comptes/{id}', { params: { path: { id: compte.id } }, body: corps })),
    onSuccess: async ({ compte: modifie }) => {
      await queryClient.invalidateQueries({ queryKey: COMPTES_KEY });
      onEnregistre(modifie);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409) {
        onConflit(error.message);
        void queryClient.invalidateQueries({ queryKey: COMPTES_KEY });
        return;
      }
      focusApresRendu(() => alerteRef.current);
    },
  });

  const erreur = modification.error instanceof ApiError && modification.error.status === 409 ? null : modification.error;
  const champs: FieldErrors = erreur instanceof ApiError ? erreur.champs : {};

  function soumettre(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const corps: Modifications = { version: compte.version };
    if (nom.trim() !== compte.nom) corps.nom = nom.trim();
    const rolesTries = [...roles].sort();
    if (rolesTries.join(',') !== [...compte.roles].sort().join(',')) corps.roles = roles;
    if (actif !== compte.actif) corps.actif = actif;
    if (motDePasse !== '') corps.motDePasse = motDePasse;
    if (Object.keys(corps).length === 1) {
      setRien(true);
      focusApresRendu(() => alerteRef.current);
      return;
    }
    setRien(false);
    modification.mutate(corps);
  }

  const idTitre = `titre-modification-${compte.id}`;
  return (
    <section aria-labelledby={idTitre} className={fr.cx('fr-p-3w', 'fr-mb-6w')} style={{ border: '1px solid var(--border-default-grey)' }}>
      <h2 id={idTitre} ref={titreRef} tabIndex={-1}>
        Modifier le compte de {compte.nom}
      </h2>
      <p>
        {compte.email} · {compte.organisation.nom}
      </p>
      <div ref={alerteRef} tabIndex={-1} style={{ outline: 'none' }}>
        {conflit ? (
          <Alert
            className={fr.cx('fr-mb-3w')}
            severity="warning"
            role="alert"
            title="Ce compte a été modifié par quelqu'un d'autre pendant que vous le modifiiez"
            description={
              <>
                Vos changements n'ont pas été enregistrés. Le formulaire affiche maintenant les informations à jour :
                vérifiez-les, refaites vos changements puis enregistrez de nouveau.
              </>
            }
          />
        ) : null}
        {erreur ? (
          <Alert
            className={fr.cx('fr-mb-3w')}
            severity="error"
            role="alert"
            title="Les modifications n'ont pas été enregistrées"
            description={
              <>
                {messageErreur(erreur)}
                <ChampsNonAffiches champs={champs} affiches={['nom', 'roles', 'actif', 'motDePasse']} />
              </>
            }
          />
        ) : null}
        {rien ? (
          <Alert className={fr.cx('fr-mb-3w')} severity="info" small description="Vous n'avez rien modifié : il n'y a rien à enregistrer." />
        ) : null}
      </div>
      <form onSubmit={soumettre} noValidate aria-labelledby={idTitre}>
        <Input
          label="Nom et prénom"
          state={champs.nom ? 'error' : 'default'}
          stateRelatedMessage={champs.nom}
          nativeInputProps={{
            id: 'modification-nom',
            name: 'nom',
            'aria-invalid': champs.nom ? true : undefined,
            value: nom,
            onChange: (e) => setNom(e.target.value),
          }}
        />
        <CasesRoles idPrefixe="modification" legende="Rôles" valeur={roles} onChange={setRoles} erreur={champs.roles} />
        <Checkbox
          legend="État du compte"
          state={champs.actif ? 'error' : 'default'}
          stateRelatedMessage={champs.actif}
          options={[
            {
              label: 'Compte actif',
              hintText: 'Décochez pour désactiver le compte : la personne ne pourra plus se connecter. Rien n’est supprimé.',
              nativeInputProps: {
                name: 'actif',
                checked: actif,
                onChange: (e) => setActif(e.target.checked),
              },
            },
          ]}
        />
        <Input
          label="Nouveau mot de passe"
          hintText="Pour réinitialiser le mot de passe (12 caractères au moins). Laissez vide pour conserver le mot de passe actuel."
          state={champs.motDePasse ? 'error' : 'default'}
          stateRelatedMessage={champs.motDePasse}
          nativeInputProps={{
            id: 'modification-mot-de-passe',
            'aria-invalid': champs.motDePasse ? true : undefined,
            name: 'motDePasse',
            type: 'password',
            autoComplete: 'new-password',
            value: motDePasse,
            onChange: (e) => setMotDePasse(e.target.value),
          }}
        />
        <ul className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md')}>
          <li>
            <Button type="submit" disabled={modification.isPending}>
              {modification.isPending ? 'Enregistrement…' : 'Enregistrer les modifications'}
            </Button>
          </li>
          <li>
            <Button type="button" priority="secondary" onClick={onAnnule}>
              Annuler
            </Button>
          </li>
        </ul>
      </form>
    </section>
  );
}

function Refus({ compte }: { compte: CompteSession }) {
  return (
    <AccessDenied
      account={compte}
      who="aux administrateurs"
      description={(roles) => (
        <>
          Votre compte ({roles}) ne permet pas de gérer les comptes.
          Si vous en avez besoin, adressez-vous à l'administrateur Passerelle de {compte.organisation.nom}.
        </>
      )}
    />
  );
}

export function AccountsPage() {
  const compte = useCompte();
  if (!compte) return null;
  if (!estAdministrateur(compte)) return <Refus compte={compte} />;
  return <GestionComptes administrateur={compte} />;
}

function GestionComptes({ administrateur }: { administrateur: CompteSession }) {
  const libelleRole = useLibelleRole();
  const national = administrateur.organisation.type === 'national';
  const comptes = useQuery({
    queryKey: COMPTES_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/comptes', { signal })),
  });
  const organisations = useQuery({
    queryKey: ORGANISATIONS_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/organisations', { signal })),
    staleTime: 10 * 60_000,
  });
  const [selection, setSelection] = useState<string | null>(null);
  const [conflit, setConflit] = useState<string | null>(null);
  const [succes, setSucces] = useState<string | null>(null);
  const [formulaireCreation, setFormulaireCreation] = useState(0);
  const [filtre, setFiltre] = useState('');
  const succesRef = useRef<HTMLDivElement>(null);

  const organisationsGerees = (organisations.data?.organisations ?? []).filter(
    (o) => national || o.code === administrateur.organisation.code,
  );
  const organisationsPourFormulaire =
    organisationsGerees.length > 0 || organisations.isPending
      ? organisationsGerees
      : [administrateur.organisation];

  const tous = comptes.data?.comptes ?? [];
  const organisationsDesComptes = [...new Map(tous.map((c) => [c.organisation.code, c.organisation])).values()].sort((a, b) =>
    a.nom.localeCompare(b.nom, 'fr'),
  );
  const liste = filtre === '' ? tous : tous.filter((c) => c.organisation.code === filtre);
  const compteSelectionne = selection === null ? undefined : tous.find((c) => String(c.id) === selection);

  function annoncer(message: string) {
    setSucces(message);
    focusApresRendu(() => succesRef.current);
  }

  return (
    <>
      <PageHeader title="Gestion des comptes" titleClassName={null} />
      <p className={fr.cx('fr-text--lead')}>
        {national
          ? 'Vous administrez les comptes de tous les organismes.'
          : `Vous administrez les comptes de ${administrateur.organisation.nom}.`}
      </p>

      <div ref={succesRef} tabIndex={-1} style={{ outline: 'none' }} aria-live="polite">
        {succes ? (
          <Alert
            severity="success"
            small
            description={succes}
            closable
            onClose={() => setSucces(null)}
            className={fr.cx('fr-mb-3w')}
          />
        ) : null}
      </div>

      {compteSelectionne ? (
        <FormulaireModification
          key={`${compteSelectionne.id}-${compteSelectionne.version}`}
          compte={compteSelectionne}
          conflit={conflit}
          onConflit={setConflit}
          onAnnule={() => {
            setSelection(null);
            setConflit(null);
          }}
          onEnregistre={(modifie) => {
            setSelection(null);
            setConflit(null);
            annoncer(`Le compte de ${modifie.nom} a été mis à jour.`);
          }}
        />
      ) : null}

      <section aria-labelledby="titre-liste" className={fr.cx('fr-mb-6w')}>
        <h2 id="titre-liste">{comptes.isSuccess ? `Comptes (${liste.length})` : 'Comptes'}</h2>
        {comptes.isPending ? <Loading texte="Chargement des comptes…" /> : null}
        {comptes.isError ? (
          <Alert severity="error" title="La liste des comptes n'a pas pu être chargée" description={messageErreur(comptes.error)} />
        ) : null}
        {comptes.isSuccess && national && organisationsDesComptes.length > 1 ? (
          <Select
            label="Afficher les comptes de"
            className={fr.cx('fr-mb-3w')}
            style={{ maxWidth: '32rem' }}
            nativeSelectProps={{ value: filtre, onChange: (e) => setFiltre(e.target.value) }}
          >
            <option value="">Tous les organismes</option>
            {organisationsDesComptes.map((o) => (
              <option key={o.code} value={o.code}>
                {o.nom}
              </option>
            ))}
          </Select>
        ) : null}
        {comptes.isSuccess && liste.length === 0 ? <p>Aucun compte pour l'instant.</p> : null}
        {comptes.isSuccess && liste.length > 0 ? (
          <Table
            caption={
              national && filtre === ''
                ? 'Comptes de tous les organismes'
                : `Comptes de ${liste[0]?.organisation.nom ?? administrateur.organisation.nom}`
            }
            noCaption
            headers={['Nom', 'Adresse électronique', 'Organisme', 'Rôles', 'État', 'Action']}
            className="passerelle-table-comptes"
            data={liste.map((c) => [
              c.nom,
              c.email,
              c.organisation.nom,
              <ul key="roles" className={fr.cx('fr-badges-group')}>
                {c.roles.map((role) => (
                  <li key={role}>
                    <Badge as="span" small noIcon>
                      {libelleRole(role)}
                    </Badge>
                  </li>
                ))}
              </ul>,
              c.actif ? (
                <Badge key="etat" as="span" severity="success" small>
                  Actif
                </Badge>
              ) : (
                <Badge key="etat" as="span" severity="error" small>
                  Désactivé
                </Badge>
              ),
              <Button
                key="action"
                type="button"
                size="small"
                priority="secondary"
                nativeButtonProps={{ 'aria-label': `Modifier le compte de ${c.nom}` }}
                onClick={() => {
                  setConflit(null);
                  setSucces(null);
                  if (selection === String(c.id)) {
                    // Already open: bring the focus back to the form.
                    document.getElementById(`titre-modification-${c.id}`)?.focus();
                  }
                  setSelection(String(c.id));
                }}
              >
                Modifier
              </Button>,
            ])}
          />
        ) : null}
      </section>

      <section aria-labelledby="titre-creation">
        <h2 id="titre-creation">Créer un compte</h2>
        {organisations.isError ? (
          <Alert
            severity="warning"
            small
            description={`La liste des organismes n'a pas pu être chargée : ${messageErreur(organisations.error)}`}
            className={fr.cx('fr-mb-2w')}
          />
        ) : null}
        {organisations.isPending ? (
          <Loading texte="Chargement des organismes…" />
        ) : (
          <FormulaireCreation
            key={formulaireCreation}
            administrateur={administrateur}
            organisations={organisationsPourFormulaire}
            onCree={(cree) => {
              setFormulaireCreation((n) => n + 1);
              annoncer(`Le compte de ${cree.nom} (${cree.email}) a été créé.`);
            }}
          />
        )}
      </section>
      <p className={fr.cx('fr-mt-6w', 'fr-text--sm')}>
        <Link to="/" className={fr.cx('fr-link', 'fr-icon-arrow-left-line', 'fr-link--icon-left')}>
          Retour à l'accueil
        </Link>
      </p>
    </>
  );
}
