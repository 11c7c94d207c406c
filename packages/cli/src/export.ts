import { rename, writeFile } from 'node:fs/promises';
import type { ProofBundle, SignedCheckpoint } from '@stepstream/audit';
import type { AuditApi } from '@stepstream/runtime';

/** Where a proof bundle comes from. */
export type BundleSource =
  /** A running server: `Stepstream.GetProofBundle` at its endpoint (`http://127.0.0.1:8083`). */
  | { readonly endpoint: string }
  /** An engine in this process, over the stores opened for the export (`engine.audit`). */
  | { readonly audit: AuditApi };

export interface ExportProofBundleOptions {
  readonly executionArn: string;
  /** The file to write, or `-` for standard output. */
  readonly out: string;
  readonly source: BundleSource;
}

/** What was written. */
export interface ExportedBundle {
  /** The file, or `-`. */
  readonly out: string;
  readonly bytes: number;
  /** How many events of the execution's stream (its history) the bundle holds. */
  readonly events: number;
  /** The signed checkpoint the bundle is proven against. */
  readonly checkpoint: SignedCheckpoint;
}

/** The bundle could not be had: the server's or the engine's error (its AWS `__type` and message), or no server answered. */
export class ExportFailed extends Error {
  constructor(
    /** `ExecutionDoesNotExist`, `InvalidArn`, `ResourceNotFound` (no checkpoint and no key), …, or `Unreachable`. */
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The bundle's text as the server sent it (not parsed and encoded again: the file is the answer, byte for byte). */
const fetchBundle = async (endpoint: string, executionArn: string): Promise<string> => {
  let res: Response;
  try {
    res = await fetch(new URL('/', endpoint), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'Stepstream.GetProofBundle' },
      body: JSON.stringify({ executionArn }),
    });
  } catch (e) {
    throw new ExportFailed(
      'Unreachable',
      `no Stepstream server answered at ${endpoint} (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message})`,
    );
  }
  const text = await res.text();
  if (res.ok) return text;
  let error: { __type?: unknown; message?: unknown } = {};
  try {
    error = JSON.parse(text) as typeof error;
  } catch {
    // Not our server, or not an error body: say what came back.
  }
  throw new ExportFailed(
    typeof error.__type === 'string' ? error.__type : `HTTP ${res.status}`,
    typeof error.message === 'string' ? error.message : `${endpoint} answered ${res.status}: ${text.slice(0, 200)}`,
  );
};

/**
 * `stepstream history export ARN --proof`: writes the execution's proof bundle — its history exactly
 * as AWS clients receive it, every event with its hash, the head's inclusion proof and the signed
 * checkpoint — to `out`. `stepstream verify FILE --public-key KEY` checks the file offline. The
 * file is written whole or not at all (a temporary file renamed into place).
 *
 * @throws ExportFailed when the server or the engine answers an error (an unknown execution, no
 *   checkpoint and no key to sign one) or no server answers.
 *
 * @example
 * const written = await exportProofBundle({ executionArn, out: 'run-1.bundle.json', source: { endpoint: 'http://127.0.0.1:8083' } });
 * console.error(`${written.events} events proven by checkpoint ${written.checkpoint.treeSize}`);
 */
export const exportProofBundle = async (options: ExportProofBundleOptions): Promise<ExportedBundle> => {
  const { executionArn, out, source } = options;
  let text: string;
  if ('endpoint' in source) {
    text = await fetchBundle(source.endpoint, executionArn);
  } else {
    const bundle = await source.audit.proofBundle(executionArn);
    if (bundle._tag === 'Left') throw new ExportFailed(bundle.left._tag, bundle.left.message);
    text = JSON.stringify(bundle.right);
  }
  const bundle = JSON.parse(text) as ProofBundle;
  if (out === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
  } else {
    const partial = `${out}.${process.pid}.partial`;
    await writeFile(partial, text);
    await rename(partial, out);
  }
  return { out, bytes: Buffer.byteLength(text), events: bundle.events.length, checkpoint: bundle.checkpoint };
};
