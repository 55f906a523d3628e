import { useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { PasswordInput } from '@codegouvfr/react-dsfr/blocks/PasswordInput';
import { ApiError, messageErreur } from '../api/client';
import { useConnexion, useSession } from '../session';
import { PageTitle } from '../components/PageTitle';

interface EtatNavigation {
  depuis?: string;
  deconnecte?: boolean;
}

export function LoginPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const etat = (location.state ?? {}) as EtatNavigation;
  const { data: session } = useSession();
  const connexion = useConnexion();
  const [email, setEmail] = useState('');
  const [motDePasse, setMotDePasse] = useState('');
  const alerteRef = useRef<HTMLDivElement>(null);

  const destination = etat.depuis && etat.depuis.startsWith('/') && !etat.depuis.startsWith('//') ? etat.depuis : '/';

  if (session && !connexion.isPending && !connexion.isSuccess) return <Navigate to={destination} replace />;

  const erreur = connexion.error;
  const champs = erreur instanceof ApiError ? erreur.champs : {};

  function soumettre(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    connexion.mutate(
      { email: email.trim(), motDePasse },
      {
        onSuccess: () => navigate(destination, { replace: true }),
        onError: () => {
          // Let the alert render, then move the focus to it so the error is read out.
          requestAnimationFrame(() => alerteRef.current?.focus());
        },
      },
    );
  }

  return (
    <div className={fr.cx('fr-grid-row', 'fr-grid-row--center')}>
      <div className={fr.cx('fr-col-12', 'fr-col-md-8', 'fr-col-lg-6')}>
        <PageTitle titre="Se connecter à Passerelle" />
        {etat.deconnecte && !erreur ? (
          <Alert severity="success" small description="Vous êtes déconnecté. À bientôt sur Passerelle." className={fr.cx('fr-mb-3w')} />
        ) : null}
        {etat.depuis && !etat.deconnecte && !erreur ? (
          <Alert severity="info" small description="Connectez-vous pour accéder à cette page." className={fr.cx('fr-mb-3w')} />
        ) : null}
        {erreur ? (
          <div ref={alerteRef} tabIndex={-1} className={fr.cx('fr-mb-3w')} style={{ outline: 'none' }}>
            <Alert
              severity="error"
              as="h2"
              role="alert"
              title={erreur instanceof ApiError && erreur.status === 429 ? 'Trop de tentatives' : 'Connexion impossible'}
              description={messageErreur(erreur)}
            />
          </div>
        ) : null}
        <form onSubmit={soumettre} noValidate aria-label="Connexion">
          <fieldset className={fr.cx('fr-fieldset')}>
            <legend className={fr.cx('fr-fieldset__legend', 'fr-text--regular')}>
              Utilisez l'adresse électronique professionnelle et le mot de passe de votre compte Passerelle.
            </legend>
            <div className={fr.cx('fr-fieldset__element')}>
              <Input
                label="Adresse électronique"
                hintText="Format attendu : prenom.nom@organisme.fr"
                state={champs.email ? 'error' : 'default'}
                stateRelatedMessage={champs.email}
                nativeInputProps={{
                  type: 'email',
                  name: 'email',
                  'aria-invalid': champs.email ? true : undefined,
                  autoComplete: 'username',
                  required: true,
                  value: email,
                  onChange: (event) => setEmail(event.target.value),
                }}
              />
            </div>
            <div className={fr.cx('fr-fieldset__element')}>
              <PasswordInput
                label="Mot de passe"
                messagesHint=""
                messages={champs.motDePasse ? [{ severity: 'error', message: champs.motDePasse }] : []}
                nativeInputProps={{
                  name: 'motDePasse',
                  'aria-invalid': champs.motDePasse ? true : undefined,
                  autoComplete: 'current-password',
                  required: true,
                  value: motDePasse,
                  onChange: (event) => setMotDePasse(event.target.value),
                }}
              />
            </div>
            <div className={fr.cx('fr-fieldset__element', 'fr-mt-2w')}>
              <Button type="submit" disabled={connexion.isPending}>
                {connexion.isPending ? 'Connexion en cours…' : 'Se connecter'}
              </Button>
            </div>
          </fieldset>
        </form>
        <p className={fr.cx('fr-text--sm', 'fr-mt-4w')}>
          Mot de passe oublié ou compte bloqué ? Adressez-vous à l'administrateur Passerelle de votre organisme : il peut
          réinitialiser votre mot de passe.
        </p>
        <p className={fr.cx('fr-text--sm')}>
          Sans compte, vous pouvez{' '}
          <Link to="/territoires" className={fr.cx('fr-link', 'fr-text--sm')}>
            trouver la Caf, la CPAM et la Carsat compétentes pour un code postal
          </Link>
          .
        </p>
      </div>
    </div>
  );
}
