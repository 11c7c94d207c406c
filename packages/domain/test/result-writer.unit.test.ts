import test from 'ava';
import { isStatesError } from '@stepstream/asl';
import {
  noneRecord,
  resultFiles,
  resultFolderOf,
  transformedResults,
  writerConfigOf,
  type ChildRunRecord,
  type OutputType,
  type ResultFilesInput,
  type Transformation,
  type WriterConfig,
} from '../src/index.js';

// A Distributed Map's ResultWriter: the objects it puts for a Map Run, and the state's output.

const RUN_ID = '0f1e2d3c-4b5a-4968-8776-655443322110';
const MAP_RUN = `arn:aws:states:us-east-1:123456789012:mapRun:sm/Map:${RUN_ID}`;
const CHILD_SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm/Map';
const T = Date.UTC(2026, 0, 1, 12, 0, 0); // 2026-01-01T12:00:00.000Z

const child = (name: string, over: Partial<ChildRunRecord>): ChildRunRecord => ({
  status: 'SUCCEEDED',
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm/Map:${name}`,
  name,
  stateMachineArn: CHILD_SM,
  input: '{"n":1}',
  startDate: T,
  stopDate: T + 1,
  redriveCount: 0,
  ...over,
});
const succeeded = (name: string, output: string) => child(name, { status: 'SUCCEEDED', output });
const failed = (name: string, status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' = 'FAILED') => child(name, { status, error: 'States.TaskFailed', cause: 'boom' });
const pending = (input: string): ChildRunRecord => ({ status: 'PENDING', input, stateMachineArn: CHILD_SM });

const NONE_JSON: WriterConfig = { transformation: 'NONE', outputType: 'JSON' };
const write = (children: readonly ChildRunRecord[], over: Partial<ResultFilesInput> = {}) =>
  resultFiles({ bucket: 'out', prefix: 'jobs', mapRunArn: MAP_RUN, children, config: NONE_JSON, ...over });
const bytes = (s: string) => new TextEncoder().encode(s).length;

// The records AWS writes with Transformation NONE (Developer Guide example; records observed in result files).
const succeededRecord = (name: string, output: string) => ({
  ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:sm/Map:${name}`,
  Input: '{"n":1}',
  InputDetails: { Included: true },
  Name: name,
  Output: output,
  OutputDetails: { Included: true },
  RedriveCount: 0,
  RedriveStatus: 'NOT_REDRIVABLE',
  RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
  StartDate: '2026-01-01T12:00:00.000Z',
  StateMachineArn: CHILD_SM,
  Status: 'SUCCEEDED',
  StopDate: '2026-01-01T12:00:00.001Z',
});
const failedRecord = (name: string, status = 'FAILED') => ({
  Cause: 'boom',
  Error: 'States.TaskFailed',
  ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:sm/Map:${name}`,
  Input: '{"n":1}',
  InputDetails: { Included: true },
  Name: name,
  OutputDetails: { Included: true },
  RedriveCount: 0,
  RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
  StartDate: '2026-01-01T12:00:00.000Z',
  StateMachineArn: CHILD_SM,
  Status: status,
  StopDate: '2026-01-01T12:00:00.001Z',
});
const pendingRecord = (input: string) => ({ Input: input, InputDetails: { Included: true }, StateMachineArn: CHILD_SM, Status: 'PENDING' });

const MIXED = [succeeded('a', '[1,2]'), failed('b'), succeeded('c', '{"x":"é"}'), failed('d', 'TIMED_OUT'), failed('e', 'ABORTED'), pending('{"n":9}')];

test('NONE × JSON: FAILED_0, PENDING_0, SUCCEEDED_0 then manifest.json, each exactly; the manifest lists each file with its byte size', (t) => {
  const { files, manifestKey, manifest, output, resultsWritten } = write(MIXED);
  const folder = `jobs/${RUN_ID}/`;
  const failedBody = JSON.stringify([failedRecord('b'), failedRecord('d', 'TIMED_OUT'), failedRecord('e', 'ABORTED')]);
  const pendingBody = JSON.stringify([pendingRecord('{"n":9}')]);
  const succeededBody = JSON.stringify([succeededRecord('a', '[1,2]'), succeededRecord('c', '{"x":"é"}')]);
  const expectedManifest = {
    DestinationBucket: 'out',
    MapRunArn: MAP_RUN,
    ResultFiles: {
      FAILED: [{ Key: `${folder}FAILED_0.json`, Size: bytes(failedBody) }],
      PENDING: [{ Key: `${folder}PENDING_0.json`, Size: bytes(pendingBody) }],
      SUCCEEDED: [{ Key: `${folder}SUCCEEDED_0.json`, Size: bytes(succeededBody) }],
    },
  };
  t.deepEqual(files, [
    { key: `${folder}FAILED_0.json`, body: failedBody },
    { key: `${folder}PENDING_0.json`, body: pendingBody },
    { key: `${folder}SUCCEEDED_0.json`, body: succeededBody },
    { key: `${folder}manifest.json`, body: JSON.stringify(expectedManifest) },
  ]);
  t.is(manifestKey, `${folder}manifest.json`);
  t.deepEqual(manifest, expectedManifest);
  t.deepEqual(Object.keys(JSON.parse(files[3]!.body) as object), ['DestinationBucket', 'MapRunArn', 'ResultFiles']);
  t.deepEqual(Object.keys(manifest.ResultFiles), ['FAILED', 'PENDING', 'SUCCEEDED']);
  // The size counts UTF-8 bytes: "é" is two.
  t.is(manifest.ResultFiles.SUCCEEDED[0]!.Size, succeededBody.length + 1);
  t.deepEqual(output, { MapRunArn: MAP_RUN, ResultWriterDetails: { Bucket: 'out', Key: `jobs/${RUN_ID}/manifest.json` } });
  t.is(resultsWritten, 6);
});

test('NONE records keep AWS key order: alphabetical, Error/Cause first on a failed child, no Output on it', (t) => {
  t.deepEqual(Object.keys(noneRecord(succeeded('a', '1'))), Object.keys(succeededRecord('a', '1')));
  t.deepEqual(Object.keys(noneRecord(failed('b'))), [
    'Cause',
    'Error',
    'ExecutionArn',
    'Input',
    'InputDetails',
    'Name',
    'OutputDetails',
    'RedriveCount',
    'RedriveStatus',
    'StartDate',
    'StateMachineArn',
    'Status',
    'StopDate',
  ]);
});

test('NONE record: a redrive status the caller knows wins over the default; a failed child with no Error or Cause has neither key', (t) => {
  const r = noneRecord(
    child('x', { status: 'FAILED', redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution history event limit exceeded', redriveCount: 2 }),
  );
  t.like(r, { RedriveCount: 2, RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: 'Execution history event limit exceeded' });
  t.false('Error' in r);
  t.false('Cause' in r);
});

test('only the statuses that have children get files; no children: the manifest alone, every list empty', (t) => {
  const onlyOk = write([succeeded('a', '1')]);
  t.deepEqual(
    onlyOk.files.map((f) => f.key),
    [`jobs/${RUN_ID}/SUCCEEDED_0.json`, `jobs/${RUN_ID}/manifest.json`],
  );
  t.deepEqual(onlyOk.manifest.ResultFiles.FAILED, []);
  t.deepEqual(onlyOk.manifest.ResultFiles.PENDING, []);

  const none = write([]);
  t.deepEqual(none.files, [
    {
      key: `jobs/${RUN_ID}/manifest.json`,
      body: JSON.stringify({ DestinationBucket: 'out', MapRunArn: MAP_RUN, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [] } }),
    },
  ]);
  t.is(none.resultsWritten, 0);
});

// Each Transformation × OutputType: the SUCCEEDED file holds the transformed results; failed children stay NONE records.
const transformMacro = test.macro({
  exec(t, transformation: Transformation, outputType: OutputType, succeededValues: readonly unknown[]) {
    const { files, manifest } = write([succeeded('a', '[1,2]'), failed('b'), succeeded('c', '{"k":3}')], { config: { transformation, outputType } });
    const ext = outputType === 'JSON' ? 'json' : 'jsonl';
    const layout = (values: readonly unknown[]) => (outputType === 'JSON' ? JSON.stringify(values) : values.map((v) => `${JSON.stringify(v)}\n`).join(''));
    const folder = `jobs/${RUN_ID}/`;
    t.deepEqual(files.slice(0, 2), [
      { key: `${folder}FAILED_0.${ext}`, body: layout([failedRecord('b')]) },
      { key: `${folder}SUCCEEDED_0.${ext}`, body: layout(succeededValues) },
    ]);
    t.is(files[2]!.key, `${folder}manifest.json`);
    t.deepEqual(manifest.ResultFiles.SUCCEEDED, [{ Key: `${folder}SUCCEEDED_0.${ext}`, Size: bytes(layout(succeededValues)) }]);
  },
  title: (_, transformation, outputType) => `${transformation} × ${outputType}: the files and their names`,
});

test(transformMacro, 'NONE', 'JSON', [succeededRecord('a', '[1,2]'), succeededRecord('c', '{"k":3}')]);
test(transformMacro, 'NONE', 'JSONL', [succeededRecord('a', '[1,2]'), succeededRecord('c', '{"k":3}')]);
test(transformMacro, 'COMPACT', 'JSON', [[1, 2], { k: 3 }]);
test(transformMacro, 'COMPACT', 'JSONL', [[1, 2], { k: 3 }]);
test(transformMacro, 'FLATTEN', 'JSON', [1, 2, { k: 3 }]);
test(transformMacro, 'FLATTEN', 'JSONL', [1, 2, { k: 3 }]);

test('JSONL: one record per line, every line ended by a newline', (t) => {
  const { files } = write([succeeded('a', '{"k":1}'), succeeded('b', '"two"')], { config: { transformation: 'COMPACT', outputType: 'JSONL' } });
  t.is(files[0]!.body, '{"k":1}\n"two"\n');
});

test('no bucket: the state output is the transformed results in item order (a failed child as its NONE record)', (t) => {
  // AWS's example: each child returns an array of orders.
  const children = [succeeded('a', '[{"order_id":"100000"},{"order_id":"100001"}]'), failed('b'), succeeded('c', '[{"order_id":"100005"}]')];
  t.deepEqual(transformedResults(children, { transformation: 'COMPACT', outputType: 'JSON' }), [
    [{ order_id: '100000' }, { order_id: '100001' }],
    failedRecord('b'),
    [{ order_id: '100005' }],
  ]);
  t.deepEqual(transformedResults(children, { transformation: 'FLATTEN', outputType: 'JSON' }), [
    { order_id: '100000' },
    { order_id: '100001' },
    failedRecord('b'),
    { order_id: '100005' },
  ]);
  t.deepEqual(transformedResults(children, { transformation: 'NONE', outputType: 'JSON' }), [
    succeededRecord('a', '[{"order_id":"100000"},{"order_id":"100001"}]'),
    failedRecord('b'),
    succeededRecord('c', '[{"order_id":"100005"}]'),
  ]);
  // JSONL changes how files are laid out, not the output value.
  t.deepEqual(
    transformedResults(children, { transformation: 'FLATTEN', outputType: 'JSONL' }),
    transformedResults(children, { transformation: 'FLATTEN', outputType: 'JSON' }),
  );
});

test('FLATTEN flattens one level and keeps an output that is not an array as one value', (t) => {
  t.deepEqual(
    transformedResults([succeeded('a', '[[1],[2]]'), succeeded('b', '7'), succeeded('c', '[]'), succeeded('d', 'null')], {
      transformation: 'FLATTEN',
      outputType: 'JSON',
    }),
    [[1], [2], 7, null],
  );
});

test('the folder is <Prefix>/<map run id>/: a trailing slash is not doubled, no prefix is the bucket root', (t) => {
  t.is(write([], { prefix: 'csvProcessJobs' }).manifestKey, `csvProcessJobs/${RUN_ID}/manifest.json`);
  t.is(write([], { prefix: 'csvProcessJobs/' }).manifestKey, `csvProcessJobs/${RUN_ID}/manifest.json`);
  t.is(write([], { prefix: 'a/b/' }).manifestKey, `a/b/${RUN_ID}/manifest.json`);
  t.is(write([], { prefix: '' }).manifestKey, `${RUN_ID}/manifest.json`);
  const rootFiles = resultFiles({ bucket: 'out', mapRunArn: MAP_RUN, children: [succeeded('a', '1')], config: NONE_JSON });
  t.deepEqual(
    rootFiles.files.map((f) => f.key),
    [`${RUN_ID}/SUCCEEDED_0.json`, `${RUN_ID}/manifest.json`],
  );
  t.deepEqual(rootFiles.output.ResultWriterDetails, { Bucket: 'out', Key: `${RUN_ID}/manifest.json` });
  // AWS's example: Prefix csvProcessJobs, Map Run …:mapRun:csvProcess/Map:ad9b5f27-….
  t.is(
    resultFolderOf('csvProcessJobs', 'arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7'),
    'csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/',
  );
});

test('a file that would pass the size cap is closed and the next index begun: SUCCEEDED_0, SUCCEEDED_1, … each within the cap', (t) => {
  // Each COMPACT record is `"xxxxxxxx"`, 10 bytes. A JSON array of k records is 10k + (k - 1) + 2 bytes: 3 fit in 34, 4 would take 45.
  const children = Array.from({ length: 7 }, (_, i) => succeeded(`c${i}`, JSON.stringify(`${i}`.repeat(8))));
  const { files, manifest } = write(children, { config: { transformation: 'COMPACT', outputType: 'JSON' }, maxFileBytes: 40 });
  const folder = `jobs/${RUN_ID}/`;
  t.deepEqual(
    files.map((f) => f.key),
    [`${folder}SUCCEEDED_0.json`, `${folder}SUCCEEDED_1.json`, `${folder}SUCCEEDED_2.json`, `${folder}manifest.json`],
  );
  t.deepEqual(
    files.slice(0, 3).map((f) => JSON.parse(f.body) as unknown),
    [['00000000', '11111111', '22222222'], ['33333333', '44444444', '55555555'], ['66666666']],
  );
  t.deepEqual(
    manifest.ResultFiles.SUCCEEDED.map((e) => e.Size),
    [34, 34, 12],
  );
  t.true(manifest.ResultFiles.SUCCEEDED.every((e) => e.Size <= 40));
});

test('splitting JSONL counts each line and its newline; a record larger than the cap gets a file of its own', (t) => {
  const children = [succeeded('a', '"aaaa"'), succeeded('b', '"bbbb"'), succeeded('big', JSON.stringify('x'.repeat(50))), succeeded('c', '"cccc"')];
  const { files, manifest } = write(children, { config: { transformation: 'COMPACT', outputType: 'JSONL' }, maxFileBytes: 14 });
  t.deepEqual(
    files.slice(0, -1).map((f) => f.body),
    ['"aaaa"\n"bbbb"\n', `${JSON.stringify('x'.repeat(50))}\n`, '"cccc"\n'],
  );
  t.deepEqual(
    manifest.ResultFiles.SUCCEEDED.map((e) => e.Key),
    [0, 1, 2].map((i) => `jobs/${RUN_ID}/SUCCEEDED_${i}.jsonl`),
  );
  t.deepEqual(
    manifest.ResultFiles.SUCCEEDED.map((e) => e.Size),
    [14, 53, 7],
  );
});

test('each status is split on its own: FAILED_0/FAILED_1 beside SUCCEEDED_0', (t) => {
  const big = (name: string) => child(name, { status: 'FAILED', error: 'E', cause: 'c'.repeat(200) });
  const { manifest } = write([big('f1'), succeeded('a', '1'), big('f2')], { maxFileBytes: 700 });
  t.deepEqual(
    manifest.ResultFiles.FAILED.map((e) => e.Key),
    [`jobs/${RUN_ID}/FAILED_0.json`, `jobs/${RUN_ID}/FAILED_1.json`],
  );
  t.deepEqual(
    manifest.ResultFiles.SUCCEEDED.map((e) => e.Key),
    [`jobs/${RUN_ID}/SUCCEEDED_0.json`],
  );
});

test('the same children give the same files (no clock, no randomness)', (t) => {
  t.deepEqual(write(MIXED), write(MIXED));
});

test('writerConfigOf: AWS defaults — NONE when exporting, COMPACT when not — and JSON', (t) => {
  t.deepEqual(writerConfigOf(undefined, true), { transformation: 'NONE', outputType: 'JSON' });
  t.deepEqual(writerConfigOf(undefined, false), { transformation: 'COMPACT', outputType: 'JSON' });
  t.deepEqual(writerConfigOf({ Transformation: 'FLATTEN', OutputType: 'JSONL' }, true), { transformation: 'FLATTEN', outputType: 'JSONL' });
  t.deepEqual(writerConfigOf({ OutputType: 'JSONL' }, true), { transformation: 'NONE', outputType: 'JSONL' });
  t.deepEqual(writerConfigOf({ Transformation: 'COMPACT' }, false), { transformation: 'COMPACT', outputType: 'JSON' });
});

test('writerConfigOf: a value outside the vocabulary, or a WriterConfig that is not an object, is States.ResultWriterFailed', (t) => {
  for (const raw of [{ Transformation: 'compact' }, { OutputType: 'CSV' }, { Transformation: 1 }, 'NONE', null, []]) {
    const e = t.throws(() => writerConfigOf(raw, true));
    t.true(isStatesError(e));
    t.is(isStatesError(e) ? e.error : '', 'States.ResultWriterFailed');
  }
});
