/**
 * The citizen pathways as data (data/parcours/<id>.json): the questions in the order they are asked,
 * when each is asked (`poseeSi`, a rule of the one rule language over the earlier answers), and the
 * examples situation → offers that specify the catalogue. This module is the schema and the checks
 * (pure); questionnaire.ts reads the files.
 */
import { z } from 'zod';
import { comparaisons, ruleSchema, valeursDe } from '../rules/index.ts';
import { PARCOURS_IDS, type Parcours } from './types.ts';

const texte = z.string({ error: (iss) => (iss.input === undefined ? 'valeur obligatoire manquante' : 'texte attendu') }).trim().min(1, 'texte non vide attendu');
const valeurOption = z.union([z.string(), z.boolean()], { error: 'texte ou true/false attendu' });

const questionSchema = z.object({
  id: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'identifiant de question attendu (lettres et chiffres, en commençant par une minuscule)'),
  libelle: texte,
  aide: texte,
  type: z.enum(['code_postal', 'choix', 'oui_non', 'nombre'], { error: (iss) => `type « ${String(iss.input)} » non admis ; types possibles : code_postal, choix, oui_non, nombre` }),
  /** Asked (and required) only when this rule on the earlier answers holds. */
  poseeSi: ruleSchema.optional(),
  min: z.number().int().optional(),
  max: z.number().int().optional(),
  options: z.array(z.object({ valeur: valeurOption, libelle: texte }).strict()),
}).strict();

const exempleSchema = z.object({
  situation: texte,
  reponses: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'réponse texte, nombre ou true/false attendue' })),
  /** The offers expected, in the order of the check-list. */
  offres: z.array(z.string()),
}).strict();

export const parcoursSchema = z.object({
  id: z.enum(PARCOURS_IDS as [string, ...string[]], { error: (iss) => `parcours « ${String(iss.input)} » inconnu ; parcours possibles : ${PARCOURS_IDS.join(', ')}` }),
  titre: texte,
  description: texte,
  questions: z.array(questionSchema).min(1, 'au moins une question attendue').max(5, 'cinq questions au plus'),
  /** Situation → offers: the specification of the catalogue for this pathway, run by test/unit/rules-examples.test.ts. */
  exemples: z.array(exempleSchema).min(1, 'au moins un exemple attendu'),
}).strict();

export type ParcoursDefinition = z.output<typeof parcoursSchema>;

/** Checks beyond the shape: one postal code, unique ids, options, `poseeSi` on an earlier question and one of its answers. */
export function parcoursProblems(p: ParcoursDefinition): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const postal = p.questions.filter((q) => q.type === 'code_postal').length;
  if (postal !== 1) out.push([['questions'], `exactement une question de type code_postal attendue (trouvées : ${postal})`]);
  p.questions.forEach((q, i) => {
    const at = ['questions', i];
    if (p.questions.findIndex((x) => x.id === q.id) !== i) out.push([[...at, 'id'], `question « ${q.id} » en double`]);
    if (q.type === 'choix' && q.options.length < 2) out.push([[...at, 'options'], 'au moins deux réponses proposées attendues']);
    if (q.type === 'oui_non' && JSON.stringify(q.options.map((o) => o.valeur)) !== '[true,false]') out.push([[...at, 'options'], 'les réponses d’une question oui/non sont true puis false']);
    if ((q.type === 'code_postal' || q.type === 'nombre') && q.options.length > 0) out.push([[...at, 'options'], `pas de réponses proposées pour une question de type ${q.type}`]);
    if (q.type !== 'nombre' && (q.min !== undefined || q.max !== undefined)) out.push([[...at], 'min et max ne concernent que les questions de type nombre']);
    if (!q.poseeSi) return;
    // The web form applies the condition itself (siReponse): one earlier question, egal or dans.
    const regle = q.poseeSi;
    if (!('champ' in regle) || !(regle.egal !== undefined || regle.dans !== undefined) || regle.plusJours !== undefined || regle.diviseePar !== undefined) {
      out.push([[...at, 'poseeSi'], 'la condition d’une question porte sur une seule question précédente : { champ, egal } ou { champ, dans }']);
      return;
    }
    for (const { comparaison } of comparaisons(regle)) {
      const earlier = p.questions.slice(0, i).find((x) => x.id === comparaison.champ);
      if (!earlier) {
        out.push([[...at, 'poseeSi', 'champ'], `« ${comparaison.champ} » n'est pas une question posée avant celle-ci`]);
        continue;
      }
      const possibles = earlier.options.map((o) => o.valeur);
      for (const v of valeursDe(comparaison)) {
        if (!possibles.includes(v as string | boolean)) out.push([[...at, 'poseeSi'], `« ${String(v)} » n'est pas une réponse possible à « ${earlier.id} »`]);
      }
    }
  });
  return out;
}

/** The pathway of a definition, with `siReponse` (the shape the web form applies) derived from `poseeSi`. */
export function toParcours(d: ParcoursDefinition): Parcours {
  return {
    id: d.id as Parcours['id'],
    titre: d.titre,
    description: d.description,
    questions: d.questions.map((q) => {
      const r = q.poseeSi && 'champ' in q.poseeSi ? q.poseeSi : undefined;
      return {
        id: q.id, libelle: q.libelle, aide: q.aide, type: q.type, options: q.options,
        ...(q.poseeSi ? { poseeSi: q.poseeSi } : {}),
        ...(r ? { siReponse: { question: r.champ, dans: (r.dans ?? [r.egal]) as (string | boolean)[] } } : {}),
        ...(q.min !== undefined ? { min: q.min } : {}),
        ...(q.max !== undefined ? { max: q.max } : {}),
      };
    }),
    exemples: d.exemples,
  };
}
