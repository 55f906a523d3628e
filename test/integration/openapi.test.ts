/**
 * The OpenAPI document (docs/openapi.json) is generated from the routes' zod schemas: it must be
 * committed as `npm run openapi` writes it, and every route must declare its success answer. The web
 * app's types (web/src/api/schema.d.ts) are generated from it and must be committed as generated.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../src/server/openapi.ts';
import { generateWebTypes } from '../../scripts/web-types.ts';

/** Routes allowed without a 2xx response schema (none: add one to the route instead). */
const WITHOUT_RESPONSE_SCHEMA: string[] = [];

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('OpenAPI document', () => {
  let generated: string;

  it('docs/openapi.json is the document the routes produce', async () => {
    generated = await generateOpenApi();
    const committed = await readFile(fileURLToPath(new URL('../../docs/openapi.json', import.meta.url)), 'utf8').catch(() => '');
    expect(committed === generated, 'docs/openapi.json differs from the routes: run `npm run openapi` and commit docs/openapi.json').toBe(true);
  }, 120_000);

  it('web/src/api/schema.d.ts is what openapi-typescript produces from the document', async () => {
    const types = await generateWebTypes(generated);
    expect(types).toContain('export interface paths');
    const committed = await readFile(fileURLToPath(new URL('../../web/src/api/schema.d.ts', import.meta.url)), 'utf8').catch(() => '');
    expect(committed === types, 'web/src/api/schema.d.ts differs from docs/openapi.json: run `npm run openapi` and commit web/src/api/schema.d.ts').toBe(true);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(generated);
    expect(validator.version).toBe('3.1');
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('is OpenAPI 3.1 and every route declares its success answer', () => {
    const document = JSON.parse(generated) as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(document.openapi).toBe('3.1.0');
    const routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
    expect(routes.length).toBeGreaterThan(50);
    const without = routes.filter(({ op }) => !Object.entries(op.responses ?? {}).some(([status, response]) =>
      /^2/.test(status) && (status === '204' || Object.values(response.content ?? {}).some((media) => media.schema !== undefined)))).map(({ route }) => route);
    expect(without, `routes without a response schema for their 2xx status: ${without.join(', ')}`).toEqual(WITHOUT_RESPONSE_SCHEMA);
    const withoutErrors = routes.filter(({ op }) => !Object.keys(op.responses ?? {}).some((status) => /^4/.test(status))).map(({ route }) => route);
    expect(withoutErrors, `routes without an error (4xx) response schema: ${withoutErrors.join(', ')}`).toEqual([]);
  });
});
