/**
 * The audit log's record of an export (`stepstream export`), and the check of exported files
 * against it (`stepstream export verify`): each export appends one `ExportRecorded` event to the
 * `audit-exports` stream through the hash chain, so the record is chained like every stream, is a
 * leaf of the Merkle tree over `$all` and is covered by the next signed checkpoint (`stepstream
 * verify` checks all three).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { chainedEventStore, type EventStore, type Position } from '@stepstream/eventstore';
import { streamPages } from './verify/pages.js';
import { problemLine } from './verify/problems.js';
import { verifyStore } from './verify/verify-store.js';

/**
 * The stream of export records. Named like the audit checkpoints' stream (`audit-checkpoints`):
 * a plain category, which every store accepts (EventStoreDB keeps `$`-names for its system
 * streams, writable by admins only).
 */
export const EXPORTS_STREAM = 'audit-exports';

/** The type of an export record. */
export const EXPORT_RECORDED = 'ExportRecorded';

/** What an export wrote: one table in one file. */
export interface ExportedFile {
  /** The file's name in the export directory (`events.parquet`). */
  readonly name: string;
  readonly table: 'events' | 'state_runs';
  readonly format: 'parquet' | 'jsonl';
  readonly rows: number;
  readonly bytes: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
}

/**
 * The data of an `ExportRecorded` event.
 *
 * @example
 * { exportedAt: '2025-06-01T12:00:00.000Z', since: '2025-05-25T12:00:00.000Z', until: '2025-06-01T12:00:00.000Z',
 *   format: 'parquet', upTo: '1234/5678',
 *   files: [{ name: 'events.parquet', table: 'events', format: 'parquet', rows: 812, bytes: 40123, sha256: '9f…' },
 *           { name: 'state_runs.parquet', table: 'state_runs', format: 'parquet', rows: 240, bytes: 9876, sha256: '1c…' }] }
 */
export interface ExportRecord {
  readonly exportedAt: string;
  /** The range, ISO: events whose timestamp (state runs whose entered_at) is at or after `since` and before `until`. */
  readonly since: string;
  readonly until: string;
  readonly format: 'parquet' | 'jsonl';
  /** The last position of `$all` the export read (`commit/prepare`); absent for an empty store. */
  readonly upTo?: string;
  readonly files: readonly ExportedFile[];
}

/** A file's SHA-256 (hex) and size, read in a stream. */
export const hashFile = async (file: string): Promise<{ readonly sha256: string; readonly bytes: number }> => {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
};

/**
 * Appends the record to {@link EXPORTS_STREAM} through the hash chain; resolves with its event id
 * in the stream (revision + 1) and its position in `$all`.
 *
 * @example
 * const { eventId } = await recordExport(store, { exportedAt, since, until, format: 'jsonl', files });
 */
export const recordExport = async (store: EventStore, record: ExportRecord): Promise<{ readonly eventId: number; readonly position: Position }> => {
  const appended = await chainedEventStore(store).appendToStream(EXPORTS_STREAM, [{ type: EXPORT_RECORDED, data: record }], { expectedRevision: 'any' });
  return { eventId: Number(appended.nextExpectedRevision) + 1, position: appended.position };
};

/** An export or a check that cannot be done as asked (its files exist already, a file to check cannot be read): the CLI prints the message, exit 1. */
export class ExportRefused extends Error {}

/** {@link hashFile}, or {@link ExportRefused} naming a file that cannot be read. */
const hashGiven = async (file: string) => {
  try {
    return { file, ...(await hashFile(file)) };
  } catch (e) {
    throw new ExportRefused(`cannot read ${file}: ${(e as Error).message}`);
  }
};

/** What `export verify` found for one file. */
export interface FileCheck {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  /** The record that lists a file with these bytes, when one does: the event id and the file as recorded. */
  readonly recorded?: { readonly eventId: number; readonly record: ExportRecord; readonly as: ExportedFile };
}

/** What `export verify` found: each file, and whether the records' own hash chain holds. */
export interface ExportCheck {
  readonly ok: boolean;
  readonly files: readonly FileCheck[];
  readonly records: number;
  /** Problems in the chain of {@link EXPORTS_STREAM}, one line each (none when it holds). */
  readonly chainProblems: readonly string[];
}

const isRecord = (data: unknown): data is ExportRecord =>
  typeof data === 'object' && data !== null && Array.isArray((data as { files?: unknown }).files) && typeof (data as { since?: unknown }).since === 'string';

/**
 * Hashes each file and looks for a record listing a file with the same SHA-256 and size (the
 * name may differ: a copy moved or renamed is still the file exported); also checks the hash
 * chain of the records' stream, so a record edited in the store is not believed. `ok` when every
 * file is recorded and the chain holds.
 *
 * @example
 * const check = await checkExportedFiles(store, ['out/events.parquet']);
 * check.files[0].recorded?.record.since; // '2025-05-25T12:00:00.000Z'
 */
export const checkExportedFiles = async (store: EventStore, files: readonly string[]): Promise<ExportCheck> => {
  const hashed = await Promise.all(files.map(hashGiven));
  const wanted = new Map(hashed.map((h) => [`${h.sha256}/${h.bytes}`, h]));
  const found = new Map<string, FileCheck['recorded']>();
  let records = 0;
  for await (const page of streamPages(store, EXPORTS_STREAM, 1000)) {
    for (const event of page) {
      if (event.type !== EXPORT_RECORDED || !isRecord(event.data)) continue;
      records += 1;
      for (const as of event.data.files) {
        const key = `${as.sha256}/${as.bytes}`;
        // The latest record of identical bytes wins (the same range exported twice).
        if (wanted.has(key)) found.set(key, { eventId: Number(event.revision) + 1, record: event.data, as });
      }
    }
  }
  const chain = await verifyStore(store, { scope: { streams: [EXPORTS_STREAM] }, worker: false });
  const chainProblems = chain.problems.filter((p) => p.failure).map(problemLine);
  const checked = hashed.map((h): FileCheck => {
    const recorded = found.get(`${h.sha256}/${h.bytes}`);
    return { ...h, ...(recorded === undefined ? {} : { recorded }) };
  });
  return { ok: chainProblems.length === 0 && checked.every((c) => c.recorded !== undefined), files: checked, records, chainProblems };
};

/** The human report of {@link checkExportedFiles}: a line per file, then what to do next. */
export const checkText = (check: ExportCheck): string => {
  const lines: string[] = [];
  for (const f of check.files) {
    if (f.recorded !== undefined) {
      const { record, as, eventId } = f.recorded;
      const renamed = basename(f.file) === as.name ? '' : ` (exported as ${as.name})`;
      lines.push(
        `${f.file}: recorded${renamed}: ${as.table}, ${as.rows} rows, ${as.format}, range ${record.since} to ${record.until}, exported ${record.exportedAt} (${EXPORTS_STREAM} event ${eventId}); SHA-256 ${f.sha256}`,
      );
    } else {
      lines.push(
        `${f.file}: NOT recorded: no export in this store's audit log wrote a file with its SHA-256 ${f.sha256} (${f.bytes} bytes): it was changed after the export, or comes from another store or an export that failed`,
      );
    }
  }
  for (const p of check.chainProblems) lines.push(p);
  if (check.chainProblems.length > 0)
    lines.push(`the export records fail their hash chain: they were edited in the store; run stepstream verify for the whole audit log`);
  else if (check.files.some((f) => f.recorded === undefined))
    lines.push(
      `${check.records} exports are recorded here: use the file as the export wrote it (compare its SHA-256 with the record), or export the range again with stepstream export`,
    );
  else lines.push(`every file is as an export recorded it; stepstream verify checks the records against the signed checkpoints`);
  return `${lines.join('\n')}\n`;
};
