import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { droppedFields, serializerCompiler } from '../../src/server/serializer.ts';

const route = (schema: z.ZodType) => ({ schema, method: 'GET', url: '/api/x', httpStatus: '200' }) as never;

describe('response serialiser', () => {
  const schema = z.object({ a: z.string(), liste: z.array(z.object({ b: z.number() })) });
  const data = { a: 'x', liste: [{ b: 1, c: 'oublié' }], d: true };

  it('names every field a schema would drop, with its path', () => {
    expect(droppedFields(data, { a: 'x', liste: [{ b: 1 }] })).toEqual(['liste[0].c', 'd']);
    expect(droppedFields({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('drops them silently when not strict (production), refuses them when strict (tests)', () => {
    expect(serializerCompiler({ strict: false })(route(schema))(data)).toBe('{"a":"x","liste":[{"b":1}]}');
    const error = console.error;
    console.error = () => {};
    try {
      expect(() => serializerCompiler({ strict: true })(route(schema))(data)).toThrow(/liste\[0\]\.c, d/);
    } finally {
      console.error = error;
    }
    expect(serializerCompiler({ strict: true })(route(schema))({ a: 'x', liste: [] })).toBe('{"a":"x","liste":[]}');
  });
});
