/**
 * The response serialiser: the zod type provider's (each answer encoded through its route's
 * response schema, then JSON), plus, when `strict`, a check that the schema dropped nothing the
 * handler returned. The tests run strict (VITEST is set), so a field forgotten in a schema fails
 * the route's tests instead of silently vanishing from the web app.
 */
import { createSerializerCompiler } from '@fastify/type-provider-zod';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import type { z } from 'zod';

const base = createSerializerCompiler({});

/** Paths of the fields present in `sent` (as JSON) and absent from `kept` (as JSON). */
export function droppedFields(sent: unknown, kept: unknown, path = ''): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(kept)) return [];
    return sent.flatMap((item, i) => droppedFields(item, kept[i], `${path}[${i}]`)).slice(0, 20);
  }
  if (sent === null || typeof sent !== 'object' || kept === null || typeof kept !== 'object' || Array.isArray(kept)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in kept)) out.push(at);
    else out.push(...droppedFields(value, (kept as Record<string, unknown>)[key], at));
  }
  return out;
}

export function serializerCompiler(options: { strict: boolean }): FastifySerializerCompiler<z.ZodType> {
  return (route) => {
    const serialize = base(route as never) as (data: unknown) => string;
    if (!options.strict) return serialize;
    return (data: unknown) => {
      const json = serialize(data);
      const dropped = droppedFields(JSON.parse(JSON.stringify(data) ?? 'null'), JSON.parse(json));
      if (dropped.length > 0) {
        const message = `Le schéma de réponse de ${route.method} ${route.url} (${String(route.httpStatus)}) retire des champs : ${dropped.join(', ')}`;
        console.error(message);
        throw new Error(message);
      }
      return json;
    };
  };
}
