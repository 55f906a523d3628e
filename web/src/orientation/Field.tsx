import type { CSSProperties } from 'react';
import { fr } from '@codegouvfr/react-dsfr';
import { Input } from '@codegouvfr/react-dsfr/Input';
import { RadioButtons } from '@codegouvfr/react-dsfr/RadioButtons';
import { Select } from '@codegouvfr/react-dsfr/Select';
import type { CommuneProposee, Question, Valeur } from './types';

const STYLE_QUESTION: CSSProperties = { fontSize: '1.25rem', lineHeight: '1.75rem', fontWeight: 700, display: 'block' };

function Libelle({ texte, grand }: { texte: string; grand: boolean }) {
  return grand ? <span style={STYLE_QUESTION}>{texte}</span> : <span style={{ fontWeight: 700 }}>{texte}</span>;
}

/**
 * One question of a pathway, as the DSFR field that fits its type, with its plain-French explanation (`aide`) as
 * the hint. `grand`: the question is alone on the page (citizen stepper), so it is shown large.
 */
export function QuestionField({
  question,
  valeur,
  onChange,
  erreur,
  idPrefixe,
  grand = false,
}: {
  question: Question;
  valeur: Valeur | undefined;
  onChange: (valeur: Valeur) => void;
  erreur?: string | null;
  idPrefixe: string;
  grand?: boolean;
}) {
  const id = `${idPrefixe}-${question.id}`;
  const etat = erreur ? ('error' as const) : ('default' as const);
  switch (question.type) {
    case 'code_postal':
    case 'nombre': {
      const postal = question.type === 'code_postal';
      const text = typeof valeur === 'string' ? valeur : valeur === undefined ? '' : String(valeur);
      return (
        <Input
          id={`${id}-groupe`}
          label={<Libelle texte={question.libelle} grand={grand} />}
          hintText={postal ? `${question.aide} 5 chiffres, par exemple 83000.` : `${question.aide} Un nombre entre ${question.min ?? 0} et ${question.max ?? 99}.`}
          state={etat}
          stateRelatedMessage={erreur ?? undefined}
          nativeInputProps={{
            id,
            name: question.id,
            inputMode: 'numeric',
            autoComplete: postal ? 'postal-code' : 'off',
            maxLength: postal ? 6 : 2,
            value: text,
            onChange: (event) => onChange(event.target.value),
            'aria-invalid': erreur ? true : undefined,
            style: { maxWidth: postal ? '12rem' : '8rem' },
          }}
        />
      );
    }
    case 'choix':
    case 'oui_non':
      return (
        <RadioButtons
          id={`${id}-groupe`}
          name={id}
          legend={<Libelle texte={question.libelle} grand={grand} />}
          hintText={question.aide}
          orientation={question.type === 'oui_non' ? 'horizontal' : 'vertical'}
          state={etat}
          stateRelatedMessage={erreur ?? undefined}
          options={question.options.map((option) => ({
            label: option.libelle,
            nativeInputProps: {
              value: String(option.valeur),
              checked: valeur === option.valeur,
              onChange: () => onChange(option.valeur),
            },
          }))}
        />
      );
  }
}

/** The commune of a postal code shared by several communes: radio buttons, or a list when there are many. */
export function CommuneField({
  communes,
  codePostal,
  valeur,
  onChange,
  erreur,
  idPrefixe,
  grand = false,
}: {
  communes: CommuneProposee[];
  codePostal: string;
  valeur: string | undefined;
  onChange: (code: string) => void;
  erreur?: string | null;
  idPrefixe: string;
  grand?: boolean;
}) {
  const id = `${idPrefixe}-commune`;
  const libelle = 'Quelle est votre commune ?';
  const aide = `Plusieurs communes ont le code postal ${codePostal}. Votre commune décide de votre Caf et de votre caisse d'Assurance Maladie.`;
  const etat = erreur ? ('error' as const) : ('default' as const);
  if (communes.length > 12) {
    return (
      <Select
        label={
          <>
            <Libelle texte={libelle} grand={grand} />
            <span className={fr.cx('fr-hint-text')}>{aide}</span>
          </>
        }
        state={etat}
        stateRelatedMessage={erreur ?? undefined}
        nativeSelectProps={{
          id,
          name: 'commune',
          value: valeur ?? '',
          onChange: (event) => onChange(event.target.value),
          'aria-invalid': erreur ? true : undefined,
        }}
      >
        <option value="" disabled>
          Choisissez votre commune
        </option>
        {communes.map((commune) => (
          <option key={commune.code} value={commune.code}>
            {commune.nom}
          </option>
        ))}
      </Select>
    );
  }
  return (
    <RadioButtons
      id={`${id}-groupe`}
      name={id}
      legend={<Libelle texte={libelle} grand={grand} />}
      hintText={aide}
      state={etat}
      stateRelatedMessage={erreur ?? undefined}
      options={communes.map((commune) => ({
        label: commune.nom,
        nativeInputProps: {
          value: commune.code,
          checked: valeur === commune.code,
          onChange: () => onChange(commune.code),
        },
      }))}
    />
  );
}
