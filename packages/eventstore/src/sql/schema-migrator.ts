import { Migrator, sql, type DatabaseIntrospector, type Kysely, type MigratorProps, type TableMetadata } from 'kysely';

/**
 * What Kysely's `Migrator` asks of the database, answered for one schema only: whether the
 * schema exists, and which tables and views it holds (names only: the migrator looks for its own
 * two tables by name and schema, nothing more).
 *
 * Kysely's Postgres introspector lists every column of every table of the whole database, and
 * looks each schema and table up again by name (`has_schema_privilege(nspname, …)`,
 * `pg_get_serial_sequence('schema.table', …)`). A schema dropped by anyone between its catalog
 * read and those lookups fails the migration with `schema "…" does not exist` (3F000): another
 * test's schema, a projector rebuild's old schema on another node. Here the catalog tables are
 * only read (joined by oid, filtered on the schema's name as a column): no function looks a name
 * up, and only the one schema's rows are read.
 */
const schemaIntrospector = (db: Kysely<any>, schema: string): DatabaseIntrospector => {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; is_view: boolean }>`
      select c.relname as name, c.relkind = 'v' as is_view
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')
      order by c.relname`.execute(db);
    return rows.map((row) => ({ name: row.name, isView: row.is_view, schema, columns: [] }));
  };
  return {
    getSchemas: async () => (await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db)).rows,
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
};

/**
 * A Kysely `Migrator` whose tables live in `migrationTableSchema`, and which looks at that schema
 * alone to find them (see {@link schemaIntrospector}): its migrations run as they would with
 * `new Migrator(props)`, and schemas created or dropped elsewhere in the database meanwhile do
 * not fail it. `db` is given to the migrator as it is, but for its `introspection`.
 *
 * @example
 * const { error } = await schemaMigrator({ db, provider, migrationTableSchema: 'sfn_read', migrationTableName: 'migrations' }).migrateToLatest();
 */
export const schemaMigrator = (props: MigratorProps & { readonly migrationTableSchema: string }): Migrator => {
  const introspection = schemaIntrospector(props.db, props.migrationTableSchema);
  // Every other member is the database's own, bound to it (Kysely keeps its state in private fields).
  const db = new Proxy(props.db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Migrator({ ...props, db });
};
