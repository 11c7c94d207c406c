import {
  childRunRecords,
  resultFiles,
  writerConfigOf,
  type MapRunAnswer,
  type MapRunResult,
  type MapRunSpec,
  type PendingTask,
  type TaskSignal,
} from '@stepstream/domain';
import { BucketError, type Buckets } from '../aws/buckets.js';
import { readItems, type ItemReaderRequest } from './item-reader.js';

/**
 * What a Distributed Map reads and writes in S3 (issue 20): the runtime's side of an ItemReader
 * (the decider's `itemReader` task) and of a ResultWriter (the Map Run's results, written before
 * the parent hears of them). The decider evaluated both requests; this performs them against the
 * deployment's buckets (an S3-compatible endpoint, AWS, or a local directory).
 */
export class MapRunData {
  constructor(private readonly buckets: Buckets | undefined) {}

  /** Closes the buckets' connections (a graceful stop). */
  close(): void {
    this.buckets?.close?.();
  }

  /** An ItemReader task's answer: the items, or `States.ItemReaderFailed` with AWS's cause. */
  async read(task: PendingTask): Promise<TaskSignal> {
    if (!this.buckets) return { type: 'failed', error: 'States.ItemReaderFailed', cause: NO_S3 };
    const outcome = await readItems(this.buckets, JSON.parse(task.input) as ItemReaderRequest);
    return outcome.ok ? { type: 'succeeded', output: JSON.stringify(outcome.items) } : { type: 'failed', error: outcome.error, cause: outcome.cause };
  }

  /**
   * Writes a finished Map Run's results under `<Prefix>/<map run id>/` as AWS does (result files
   * by status, then `manifest.json`), and says where the manifest is — or why it could not be
   * written (the Map Run then fails with `States.ResultWriterFailed`).
   */
  async write(spec: MapRunSpec, results: readonly MapRunResult[]): Promise<Pick<MapRunAnswer, 'written' | 'writeFailed'>> {
    const bucket = spec.writer?.bucket;
    if (bucket === undefined) return {};
    if (!this.buckets) return { writeFailed: { cause: NO_S3 } };
    const files = resultFiles({
      bucket,
      ...(spec.writer?.prefix !== undefined ? { prefix: spec.writer.prefix } : {}),
      mapRunArn: spec.mapRunArn,
      children: childRunRecords(spec, results),
      config: writerConfigOf(spec.writer?.writerConfig, true),
    });
    try {
      for (const file of files.files) await this.buckets.putObject(bucket, file.key, file.body, 'application/json');
    } catch (e) {
      if (!(e instanceof BucketError)) throw e;
      return {
        writeFailed: {
          cause: `Could not write the results to the bucket ${bucket}: ${e.message} (Service: S3, Status Code: ${e.status}, Error Code: ${e.code})`,
        },
      };
    }
    return { written: { bucket, key: files.manifestKey } };
  }
}

const NO_S3 = 'No S3 is configured for this server: start it with --aws-endpoints s3=http://HOST:PORT (an S3-compatible endpoint), s3=aws or s3=file:DIR';
