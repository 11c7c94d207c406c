export type {
  AllBatch,
  AllFilter,
  AppendOptions,
  AppendResult,
  CurrentRevision,
  Direction,
  EventData,
  EventStore,
  ExpectedRevision,
  Position,
  ReadAllBatchOptions,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
} from './port/types.js';
export { WrongExpectedVersionError, isWrongExpectedVersionError, EventStoreUnavailableError, LeaseLostError, isLeaseLostError } from './port/errors.js';
export { comparePositions, formatPosition, parsePosition, categoryOf, matchesFilter } from './port/position.js';
export { catchUp, type CatchUpOptions, type Page } from './catch-up.js';
export { PGliteDialect } from './sql/pglite-dialect.js';
export { migrateEventStore, SHARDS } from './sql/schema.js';
export { schemaMigrator } from './sql/schema-migrator.js';
export { getSqlEventStore, type AppendSignal, type SqlEventStoreOptions } from './sql/sql-event-store.js';
export { openPostgresEventStore, makePgPool, type PostgresEventStoreOptions } from './sql/postgres.js';
export { listenChannel, type Listening } from './sql/listen.js';
export { openPGliteEventStore, openPGlite, type PGliteEventStoreOptions } from './sql/pglite.js';
export { openEventStoreDB, type EventStoreDBOptions } from './esdb/esdb-event-store.js';
export { chainedEventStore, leafDataOf, type ChainOptions } from './chained.js';
