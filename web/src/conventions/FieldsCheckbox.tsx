import type { Dispatch, SetStateAction } from 'react';
import { Checkbox } from '@codegouvfr/react-dsfr/Checkbox';
import type { Field } from './api';

/** The data a convention transmits: one box per possible field with why it is needed; the chosen ones keep the fields' order. */
export function FieldsCheckbox({
  legend,
  hintText,
  error,
  fields,
  value,
  onChange,
}: {
  legend: string;
  hintText?: string;
  error?: string;
  fields: Field[];
  value: string[];
  onChange: Dispatch<SetStateAction<string[]>>;
}) {
  return (
    <Checkbox
      legend={legend}
      hintText={hintText}
      state={error ? 'error' : 'default'}
      stateRelatedMessage={error}
      options={fields.map((f) => ({
        label: f.libelle,
        hintText: f.pourquoi,
        nativeInputProps: {
          name: 'champs',
          value: f.champ,
          checked: value.includes(f.champ),
          onChange: (e) =>
            onChange((cur) => (e.target.checked ? fields.map((x) => x.champ).filter((x) => x === f.champ || cur.includes(x)) : cur.filter((x) => x !== f.champ))),
        },
      }))}
    />
  );
}
