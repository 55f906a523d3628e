import { useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { fr } from '@codegouvfr/react-dsfr';
import { Alert } from '@codegouvfr/react-dsfr/Alert';
import { Badge } from '@codegouvfr/react-dsfr/Badge';
import { Button } from '@codegouvfr/react-dsfr/Button';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { Select } from '@codegouvfr/react-dsfr/SelectNext';
import { ApiError, messageErreur } from '../api/client';
import { PageTitle } from '../components/PageTitle';
import { PageHeader } from '../components/PageHeader';
import { Loading } from '../components/Loading';
import { ChannelActions } from './ChannelActions';
import { useLibelles } from '../roles';
import { dateFr, dateTimeFr, fetchPerson, patchOrientation, postEvent, type Action, type Person } from './api';

/** Kinds recorded from the contact's result (a call, a visit); offers by e-mail or letter go through ChannelActions. */
const CONTACT_KINDS = ['joint', 'tentative'];
const SENT_BY_CHANNELS = ['offre_email_envoyee', 'offre_email_echec', 'offre_courrier_envoyee'];
const NEXT_ORIENTATION: Record<string, { statut: 'acceptee' | 'realisee'; label: string } | undefined> = {
  envoyee: { statut: 'acceptee', label: 'Marquer acceptée' },
  acceptee: { statut: 'realisee', label: 'Marquer réalisée' },
};

/** /listes/personnes/:id — a person's page: allowed fields, call script, outcome in two clicks, history, orientations. */
export function PersonPage() {
  const { id = '' } = useParams();
  const person = useQuery({ queryKey: ['personne', id], queryFn: () => fetchPerson(id), retry: false });
  if (person.isError) {
    return (
      <>
        <PageTitle titre="Fiche de la personne" />
        <Alert severity="error" title="Fiche indisponible" description={messageErreur(person.error)} />
      </>
    );
  }
  if (!person.data) return <Loading />;
  return <PersonView data={person.data} />;
}

function PersonView({ data }: { data: Person }) {
  const fieldLabels = useLibelles().data?.champs ?? {};
  const queryClient = useQueryClient();
  const { contact } = data;
  const [feedback, setFeedback] = useState<{ severity: 'success' | 'error' | 'warning'; text: string; conflict?: boolean } | null>(null);
  const [pending, setPending] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const live = useRef<HTMLDivElement>(null);
  const name = [contact.champs.prenom, contact.champs.nom].filter(Boolean).join(' ') || `Personne n° ${contact.id}`;
  const contactActions = data.actions.filter((a) => CONTACT_KINDS.includes(a.genre));
  const simpleActions = data.actions.filter((a) => !CONTACT_KINDS.includes(a.genre) && a.genre !== 'opposition' && !SENT_BY_CHANNELS.includes(a.code)
    && (a.detail === 'aucun' || a.detail === 'note'));
  const dateActions = data.actions.filter((a) => a.detail === 'date' || a.detail === 'date_heure');
  const partnerActions = data.actions.filter((a) => a.detail === 'partenaire');
  const textActions = data.actions.filter((a) => a.detail === 'texte');
  const opposition = data.actions.find((a) => a.genre === 'opposition');
  const byPhone = contactActions.some((a) => a.canal === 'telephone');
  const reload = () => queryClient.invalidateQueries({ queryKey: ['personne', contact.id] });

  async function record(code: string, detail?: string) {
    if (pending) return;
    setPending(true);
    try {
      const r = await postEvent(contact.id, { code, detail: detail ?? null, version: contact.version });
      setFeedback({ severity: 'success', text: `Enregistré. Nouveau statut : ${r.statutLibelle}.` });
      await Promise.all([reload(), queryClient.invalidateQueries({ queryKey: ['listes'] })]);
    } catch (e) {
      const conflict = e instanceof ApiError && e.status === 409;
      setFeedback({ severity: conflict ? 'warning' : 'error', text: messageErreur(e), conflict });
    } finally {
      setPending(false);
      requestAnimationFrame(() => live.current?.focus());
    }
  }

  const set = (code: string, value: string) => setValues((v) => ({ ...v, [code]: value }));

  function submitDetail(event: FormEvent, action: Action) {
    event.preventDefault();
    const value = (values[action.code] ?? '').trim();
    let error: string | null = null;
    if ((action.detail === 'date' || action.detail === 'date_heure') && !/^\d{4}-\d{2}-\d{2}$/.test(value)) error = 'Indiquez la date (jour, mois, année).';
    if (action.detail === 'partenaire' && value === '') error = 'Choisissez un partenaire.';
    if (action.detail === 'texte' && value === '') error = 'Ce champ est obligatoire.';
    setErrors((e) => ({ ...e, [action.code]: error ?? '' }));
    if (!error) void record(action.code, value);
  }

  /** Labels of a detail form; the caregivers' wording when there is one form of its kind. */
  function formLabels(action: Action): { label: string; submit: string } {
    if (action.detail === 'partenaire') {
      const alone = partnerActions.filter((a) => a.genre === action.genre).length === 1;
      if (alone && action.genre === 'orientation') return { label: 'Orienter vers', submit: "Enregistrer l'orientation" };
      if (alone && action.genre === 'accompagnement') return { label: `${action.libelle} par`, submit: "Enregistrer l'accompagnement" };
      return { label: `${action.bouton} : partenaire`, submit: `Enregistrer : ${action.bouton}` };
    }
    if (action.detail === 'texte') return { label: action.libelle, submit: `Enregistrer : ${action.bouton}` };
    if (dateActions.length === 1 && action.genre === 'rendez_vous') return { label: 'Date du rendez-vous', submit: 'Noter le rendez-vous pris' };
    return { label: `Date — ${action.bouton}`, submit: `Noter : ${action.bouton}` };
  }

  const script = (
    <details className={fr.cx('fr-mt-2w')} open={data.contact.statut === 'a_contacter' || data.contact.statut === 'a_rappeler' || data.contact.statut === 'offre_envoyee'}>
      <summary>{data.script.titre}</summary>
      <p className={fr.cx('fr-mt-1w')}>{data.script.introduction}</p>
      <ol>
        {data.script.etapes.map((s) => <li key={s.titre}><strong>{s.titre} :</strong> {s.texte}</li>)}
      </ol>
      <p><strong>En cas de refus :</strong> {data.script.refus}</p>
    </details>
  );

  return (
    <>
      <PageHeader title={name} parent={{ label: 'Listes de travail', to: `/listes?programme=${contact.programme}&mois=${contact.periode}` }} titleClassName={fr.cx('fr-mb-1w')} />
      <p className={fr.cx('fr-mb-3w')}>
        <Badge noIcon severity={contact.termine ? 'success' : 'info'} as="span">{contact.statutLibelle}</Badge>{' '}
        {contact.programmeTitre} · liste de {new Date(`${contact.periode}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric' })} · {contact.agent ? `attribuée à ${contact.agent.nom}` : 'non attribuée'}
      </p>

      <div ref={live} tabIndex={-1} aria-live="polite" className={fr.cx('fr-mb-2w')}>
        {feedback ? (
          <Alert small severity={feedback.severity} description={
            <>
              {feedback.text}
              {feedback.conflict ? <> <Button size="small" priority="secondary" onClick={() => { setFeedback(null); void reload(); }}>Recharger la fiche</Button></> : null}
            </>
          } />
        ) : null}
      </div>

      {contact.aRisque ? (
        <Alert severity="warning" className={fr.cx('fr-mb-3w')} title="Personne signalée à risque de violences"
          description={contact.canalSur ? `Ne la contacter que par son canal sûr (${contact.canalSur === 'email' ? 'courriel' : 'téléphone'}) ; jamais de courrier au domicile ni de canal partagé du foyer.` : "Aucun canal sûr n'est connu : ne pas la contacter."} />
      ) : null}

      <div className={fr.cx('fr-grid-row', 'fr-grid-row--gutters')}>
        <div className={fr.cx('fr-col-12', 'fr-col-md-5')}>
          <section aria-labelledby="coordonnees-titre" className={fr.cx('fr-mb-4w')}>
            <h2 id="coordonnees-titre" className={fr.cx('fr-h4')}>Coordonnées transmises</h2>
            <dl>
              {Object.entries(contact.champs).map(([k, v]) => (
                <div key={k} className={fr.cx('fr-mb-1w')}>
                  <dt className={fr.cx('fr-text--bold', 'fr-mb-0')}>{fieldLabels[k] ?? k}</dt>
                  <dd style={{ marginLeft: 0 }}>{k === 'telephone' && v ? <a href={`tel:${v.replace(/\s/g, '')}`}>{v}</a> : v || '—'}</dd>
                </div>
              ))}
            </dl>
            <p className={fr.cx('fr-text--sm', 'fr-mb-0')}>
              {contact.appelable ? 'Numéro valide et appel autorisé.' : "Pas d'appel possible (numéro absent, invalide ou non autorisé)."} Données détruites au plus tard le {dateFr(contact.echeance)}.
            </p>
          </section>

          <section aria-labelledby="historique-titre" className={fr.cx('fr-mb-4w')}>
            <h2 id="historique-titre" className={fr.cx('fr-h4')}>Historique</h2>
            {data.evenements.length === 0 ? <p>Aucun événement pour l'instant.</p> : (
              <ol className={fr.cx('fr-pl-2w')}>
                {[...data.evenements].reverse().map((e) => (
                  <li key={e.id} className={fr.cx('fr-mb-1w')}>
                    <strong>{e.libelle}</strong>{e.detailLibelle ? ` — ${/^\d{4}-\d{2}-\d{2}/.test(e.detailLibelle) ? `le ${dateFr(e.detailLibelle)}${e.detailLibelle.length > 10 ? ` à ${e.detailLibelle.slice(11, 16)}` : ''}` : e.detailLibelle}` : ''}
                    <br />
                    <span className={fr.cx('fr-text--sm')}>{dateTimeFr(e.survenuLe)}{e.auteur ? ` · ${e.auteur}` : ''}{e.origine !== 'agent' ? ` · ${e.origine}` : ''}</span>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>

        <div className={fr.cx('fr-col-12', 'fr-col-md-7')}>
          {data.actions.length === 0 ? (
            <Alert severity="info" title="Plus aucun contact" description="Cette personne s'est opposée à tout nouveau contact pour ce programme." className={fr.cx('fr-mb-4w')} />
          ) : null}

          {contactActions.length > 0 ? (
            <section aria-labelledby="appel-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="appel-titre" className={fr.cx('fr-h4')}>{byPhone ? "Résultat de l'appel" : 'Résultat du contact'}</h2>
              <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md')}>
                {contactActions.map((c) => (
                  <Button key={c.code} priority={c.genre === 'joint' ? 'primary' : 'secondary'} onClick={() => void record(c.code)} disabled={pending}>{c.bouton}</Button>
                ))}
              </div>
              {script}
            </section>
          ) : data.actions.length > 0 ? <section aria-label="Script" className={fr.cx('fr-mb-4w')}>{script}</section> : null}

          {data.actions.length > 0 ? <ChannelActions contactId={contact.id} version={contact.version} onDone={() => void reload()} /> : null}

          {data.actions.length > 0 ? (
            <section aria-labelledby="suite-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="suite-titre" className={fr.cx('fr-h4')}>Et ensuite ?</h2>
              <div className={fr.cx('fr-btns-group', 'fr-btns-group--inline-md', 'fr-mb-2w')}>
                {simpleActions.map((a) => (
                  <Button key={a.code} priority={a.genre === 'acceptation' || a.genre === 'honore' ? 'primary' : 'secondary'} onClick={() => void record(a.code)} disabled={pending}>
                    {a.bouton}
                  </Button>
                ))}
              </div>
              {[...dateActions, ...partnerActions, ...textActions].map((a) => {
                const labels = formLabels(a);
                const error = errors[a.code] || undefined;
                return (
                  <form key={a.code} onSubmit={(e) => submitDetail(e, a)} noValidate className={fr.cx('fr-mb-3w')}>
                    {a.detail === 'partenaire' ? (
                      <Select label={labels.label} state={error ? 'error' : 'default'} stateRelatedMessage={error}
                        nativeSelectProps={{ value: values[a.code] ?? '', onChange: (e) => set(a.code, e.target.value), name: `partenaire-${a.code}` }}
                        options={[{ value: '', label: 'Choisir un partenaire' }, ...a.partenaires.map((p) => ({ value: p.code, label: p.libelle }))]} />
                    ) : (
                      <Input label={labels.label} state={error ? 'error' : 'default'} stateRelatedMessage={error}
                        nativeInputProps={{ type: a.detail === 'texte' ? 'text' : 'date', name: `detail-${a.code}`, value: values[a.code] ?? '', onChange: (e) => set(a.code, e.target.value), maxLength: 200 }} />
                    )}
                    <Button type="submit" priority={a.detail === 'partenaire' ? 'secondary' : 'primary'} disabled={pending}>{labels.submit}</Button>
                  </form>
                );
              })}
              {opposition ? (
                <Button priority="tertiary" iconId="fr-icon-close-circle-line" disabled={pending}
                  onClick={() => { if (window.confirm('Enregistrer son opposition ? Plus aucun contact ne sera possible pour ce programme.')) void record(opposition.code); }}>
                  La personne s'oppose à tout nouveau contact
                </Button>
              ) : null}
            </section>
          ) : null}

          {data.orientations.length > 0 ? (
            <section aria-labelledby="orientations-titre" className={fr.cx('fr-mb-4w')}>
              <h2 id="orientations-titre" className={fr.cx('fr-h4')}>Orientations</h2>
              <ul>
                {data.orientations.map((o) => (
                  <li key={o.id} className={fr.cx('fr-mb-1w')}>
                    {o.partenaireLibelle} — <Badge small noIcon as="span" severity={o.statut === 'realisee' ? 'success' : 'info'}>{o.statutLibelle}</Badge>{' '}
                    {NEXT_ORIENTATION[o.statut] ? (
                      <Button size="small" priority="tertiary" onClick={() => {
                        patchOrientation(o.id, NEXT_ORIENTATION[o.statut]!.statut, o.version)
                          .then(() => { setFeedback({ severity: 'success', text: 'Orientation mise à jour.' }); return reload(); })
                          .catch((e: unknown) => setFeedback({ severity: 'warning', text: messageErreur(e), conflict: e instanceof ApiError && e.status === 409 }));
                      }}>{NEXT_ORIENTATION[o.statut]!.label}</Button>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
    </>
  );
}
