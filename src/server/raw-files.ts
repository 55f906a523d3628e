import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/index.ts';

/** Largest CSV file a route reads whole from its body (outcomes, signalements). */
const RAW_FILE_LIMIT = 20 * 1024 * 1024;

/**
 * Registers `routes` in a scope where an `application/octet-stream` body arrives as raw bytes, so
 * that a spreadsheet's Windows-1252 export is decoded by the project's reader, not mangled as UTF-8.
 */
export function withRawFiles(app: FastifyInstance, database: Database, routes: (scope: FastifyInstance, database: Database) => void): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: RAW_FILE_LIMIT }, (_request, body, done) => done(null, body));
    routes(scope, database);
  });
}
