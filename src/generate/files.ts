/**
 * Writes the extracts: one CSV stream per file, rows buffered in small chunks and written with
 * backpressure (a `write` that returns false is followed by waiting for 'drain'), so memory stays
 * bounded whatever the volume. Files are written under a `.part` name and renamed at the end:
 * an interrupted run never leaves a file that looks complete.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { csvHeader, csvLine, EXTRACT_FORMATS, EXTRACT_KINDS, type ExtractKind, type ExtractRow } from '../extracts/index.ts';
import type { RowSink } from './rows.ts';

export interface WrittenFile {
  kind: ExtractKind;
  fileName: string;
  path: string;
  rows: number;
  bytes: number;
}

interface Channel {
  kind: ExtractKind;
  path: string;
  stream: WriteStream;
  buffer: string;
  rows: number;
  bytes: number;
}

const CHUNK_CHARS = 64 * 1024;

export class ExtractWriter implements RowSink {
  private readonly outDir: string;
  private readonly channels = new Map<ExtractKind, Channel>();
  private error: Error | null = null;
  /** True when at least one buffer is full: call flush() before generating more. */
  needsFlush = false;

  constructor(outDir: string) {
    this.outDir = outDir;
  }

  async open(): Promise<void> {
    await mkdir(this.outDir, { recursive: true });
    for (const kind of EXTRACT_KINDS) {
      const path = join(this.outDir, EXTRACT_FORMATS[kind].fileName);
      const stream = createWriteStream(`${path}.part`, { encoding: 'utf8', highWaterMark: 256 * 1024 });
      stream.on('error', (err) => { this.error ??= err; });
      this.channels.set(kind, { kind, path, stream, buffer: csvHeader(kind), rows: 0, bytes: 0 });
    }
  }

  push<K extends ExtractKind>(kind: K, row: ExtractRow<K>): void {
    const channel = this.channels.get(kind) as Channel;
    channel.buffer += csvLine(kind, row);
    channel.rows++;
    if (channel.buffer.length >= CHUNK_CHARS) this.needsFlush = true;
  }

  /** Writes the full buffers (all of them when `all`), waiting for 'drain' where needed. */
  async flush(all = false): Promise<void> {
    if (this.error) throw this.error;
    for (const channel of this.channels.values()) {
      if (channel.buffer.length === 0 || (!all && channel.buffer.length < CHUNK_CHARS)) continue;
      const chunk = channel.buffer;
      channel.buffer = '';
      channel.bytes += Buffer.byteLength(chunk, 'utf8');
      if (!channel.stream.write(chunk)) await once(channel.stream, 'drain');
    }
    this.needsFlush = false;
    if (this.error) throw this.error;
  }

  /** Flushes, closes and renames every file; returns what was written. */
  async close(): Promise<WrittenFile[]> {
    await this.flush(true);
    await Promise.all([...this.channels.values()].map(async (channel) => {
      channel.stream.end();
      await once(channel.stream, 'close');
    }));
    if (this.error) throw this.error;
    const files: WrittenFile[] = [];
    for (const channel of this.channels.values()) {
      await rename(`${channel.path}.part`, channel.path);
      files.push({ kind: channel.kind, fileName: EXTRACT_FORMATS[channel.kind].fileName, path: channel.path, rows: channel.rows, bytes: channel.bytes });
    }
    return files;
  }

  /** Stops writing and removes the partial files. */
  async abort(): Promise<void> {
    for (const channel of this.channels.values()) {
      channel.stream.destroy();
      await rm(`${channel.path}.part`, { force: true });
    }
  }
}
