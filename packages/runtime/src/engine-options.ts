import type { VirtualClock } from './virtual-time.js';
import type { ArnScope } from '@stepstream/domain';
import type { EventStore } from '@stepstream/eventstore';
import type { Kysely } from 'kysely';
import type { HttpConnections } from './integrations/http-task.js';
import type { LambdaFunctions } from './integrations/lambda.js';
import type { LeaseTimes } from './cluster/leases.js';
import type { Logger } from './logger.js';
import type { MockConfig } from './integrations/mocks.js';
import type { ServiceEndpoints } from './aws/endpoints.js';

/** How an {@link Engine} is built: its store and read models, and what it takes from the outside (time, ids, logs, integrations). */
export interface EngineOptions {
  readonly store: EventStore;
  /**
   * Whether appends are hash-chained (`chainedEventStore`: each event's metadata gets `$hash` and
   * `$previousHash`, so `stepstream verify` can tell what was altered). Defaults to true; false
   * only to measure what the chain costs.
   */
  readonly chain?: boolean;
  /**
   * The audit tree's checkpoints: the Ed25519 key that signs them (without one nothing is signed,
   * the tree is still kept, and the engine warns at start) and their cadence. `false`: no tree in
   * the background either (it is brought up to date only when a proof is asked for) — only to
   * measure what it costs.
   */
  readonly audit?: AuditOptions | false;
  /**
   * The analytics read model (docs/analytics.md: executions, state runs, task runs, Map Runs) and
   * what hears it (metrics, traces). Defaults to true; false: not kept in the background (only to
   * measure what it costs; `stepstream projections rebuild` still builds it).
   */
  readonly analytics?: boolean;
  /** Where the read models live (the same PGlite, or a Postgres). */
  readonly db: Kysely<any>;
  readonly scope?: ArnScope;
  readonly clock?: () => number;
  /**
   * Virtual time (src/virtual-time.ts): the engine's clock (unless `clock` is given) jumps to the
   * next timer whenever the engine has nothing else to do.
   */
  readonly virtualTime?: VirtualClock;
  readonly uuid?: () => string;
  readonly random?: () => number;
  readonly log?: Logger;
  /**
   * The deployment's secret for task and page tokens; by default `STEPSTREAM_TOKEN_SECRET`, or one
   * kept in the store (see src/deployment.ts).
   */
  readonly secret?: Buffer;
  /** How long a Describe or List waits for the read models to show the writes acknowledged before it (read-your-writes; default 5 s). */
  readonly readYourWritesMs?: number;
  /** How long a graceful stop waits for tasks in flight to finish and be recorded (default 30 s). */
  readonly drainMs?: number;
  /**
   * Fault injection, for tests of recovery: the process dies (SIGKILL) in any decision that
   * enters a state of this name, before appending it — as a decision that exhausts the memory would.
   */
  readonly crashEnteringState?: string;
  /** How long GetActivityTask waits for a task (AWS: 60 s). */
  readonly activityPollMs?: number;
  /** Where Lambda functions run (a directory of modules, an Invoke endpoint); none by default. */
  readonly lambda?: LambdaFunctions;
  /** The credentials of HTTP Tasks' connections, by connection ARN. */
  readonly httpConnections?: HttpConnections;
  /**
   * Where AWS services are (`--aws-endpoints`): S3 for a Distributed Map's ItemReader and
   * ResultWriter, and the services `aws-sdk:*` and the optimized integrations call. A service not
   * named stays mocked; no S3 fails readers and writers with a cause that says how to set one.
   */
  readonly endpoints?: ServiceEndpoints;
  /** Mocked integrations (Step Functions Local's format), used by executions started on `<arn>#<TestCase>`. */
  readonly mocks?: MockConfig;
  /** Executions started on a mock test case each run on their own virtual clock (`--time test-cases`). */
  readonly virtualTestCases?: boolean;
  /**
   * Several nodes on one Postgres database (docs/operations.md): this node's name, the database
   * (for its LISTEN connection) and the store's schema, which holds the shard leases. Each node
   * performs the timers and tasks of the executions in the shards it leases; any node serves any
   * API call. Absent: this engine runs everything itself (the embedded store, or one node alone).
   */
  readonly cluster?: ClusterOptions;
}

/** A node of a cluster on Postgres (see {@link EngineOptions.cluster}). */
export interface ClusterOptions {
  /** This node's name, unique among the nodes running now. */
  readonly node: string;
  /** The Postgres database of the store (`postgres://…`), for the cluster channel's LISTEN connection. */
  readonly connectionString: string;
  /** The schema of the store's tables (default `stepstream`), where `leases`, `nodes` and `activity_tasks` live. */
  readonly schema?: string;
  /** How long a lease lasts without renewal, and how often it is renewed (default 5 s and 1 s). */
  readonly leaseTimes?: LeaseTimes;
}

/** How the audit tree's checkpoints are signed (see `src/audit/checkpointer.ts`). */
export interface AuditOptions {
  /** The Ed25519 private key, PKCS #8 PEM (`generateSigningKey` of `@stepstream/audit` makes one). */
  readonly privateKeyPem?: string;
  /** A checkpoint once the tree has this many events more than the newest one (default 10,000). */
  readonly checkpointEvery?: number;
  /** And one every this many milliseconds when the tree grew (default 10 s). */
  readonly checkpointIntervalMs?: number;
}

/** AWS: GetActivityTask long-polls for up to 60 s; at most 1,000 workers poll one activity at a time. */
export const ACTIVITY_POLL_MS = 60_000;
export const MAX_ACTIVITY_POLLERS = 1000;
