/**
 * Front door of the `extracts` context: the source extracts as data (one definition per file and
 * per column, `docs/extract-formats.md`) and the cell checks every reader applies. Production code
 * reads extracts through this context; only the synthetic-data generator (`generate/`) writes them.
 */
export * from './formats.ts';
export * from './lines.ts';
