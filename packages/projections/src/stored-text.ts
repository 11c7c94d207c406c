import {
  OperationNodeTransformer,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/**
 * Marks a stored string that was escaped. U+0001 is a valid character that Postgres stores, and
 * rare at the start of real text; a string that really starts with it is escaped too.
 */
const MARK = '\u0001';

/**
 * What Postgres `text` cannot hold exactly: a NUL (rejected: `invalid byte sequence for encoding
 * "UTF8": 0x00`) or a lone UTF-16 surrogate (silently turned into U+FFFD by the driver's UTF-8
 * encoding). In a `u` regex a surrogate class matches only surrogates that are not half of a
 * pair. A leading MARK is escaped so that every stored value decodes unambiguously.
 */
const UNSTORABLE = /^\u0001|[\u0000\ud800-\udfff]/u;

/**
 * The form of a JS string that Postgres `text` stores exactly: the string itself, or, when it
 * holds a NUL or a lone surrogate (or starts with U+0001), U+0001 followed by its JSON encoding
 * (`JSON.stringify` escapes both as `\u0000` / `\udfff`, which are plain ASCII). The same string
 * always gives the same stored form, so equality lookups on stored values still work.
 *
 * @example
 * toStoredText('plain') // 'plain'
 * toStoredText('a\u0000b') // '\u0001"a\\u0000b"'
 */
export const toStoredText = (s: string): string => (UNSTORABLE.test(s) ? MARK + JSON.stringify(s) : s);

/**
 * The JS string a {@link toStoredText} value stands for.
 *
 * @example
 * fromStoredText('\u0001"a\\u0000b"') // 'a\u0000b'
 */
export const fromStoredText = (s: string): string => {
  if (!s.startsWith(MARK)) return s;
  // A value written around the plugin (raw SQL, an old row) is returned as it is, not a failure.
  try {
    const decoded: unknown = JSON.parse(s.slice(1));
    return typeof decoded === 'string' ? decoded : s;
  } catch {
    return s;
  }
};

/** Applies `f` to a string, or to the strings of an array; the same value when nothing changes. */
const mapStrings = (f: (s: string) => string, v: unknown): unknown => {
  if (typeof v === 'string') return f(v);
  if (!Array.isArray(v)) return v;
  const mapped = v.map((x: unknown) => (typeof x === 'string' ? f(x) : x));
  return mapped.some((x, i) => x !== v[i]) ? mapped : v;
};
const storeValue = (v: unknown) => mapStrings(toStoredText, v);
const readValue = (v: unknown) => mapStrings(fromStoredText, v);

/** Rewrites every string bound as a query parameter (also inside arrays) into its stored form. */
class StoreStrings extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = storeValue(node.value);
    return value === node.value ? node : { ...node, value };
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(storeValue) };
  }
}

/**
 * A Kysely plugin through which every string goes into the read models and comes back out
 * exactly, NUL and lone surrogates included: parameters are written in their
 * {@link toStoredText} form, and every string (or array of strings) column of a result row is
 * decoded with {@link fromStoredText}. It is applied in one place — the projector's database and
 * the read-model queries ({@link readModelDb}) — instead of per column, so a new column cannot
 * forget it.
 *
 * Limits: a `json` column comes back parsed (objects pass through untouched; their text is
 * `JSON.stringify` output, which is always storable); a value built in SQL from stored strings
 * (`a || b`, `like`) would see the stored form. Read models do neither.
 */
export const storedTextPlugin: KyselyPlugin = {
  transformQuery: ({ node }: PluginTransformQueryArgs): RootOperationNode => new StoreStrings().transformNode(node),
  transformResult: async ({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
    let changed = false;
    const rows = result.rows.map((row) => {
      let copy: UnknownRow | undefined;
      for (const [key, v] of Object.entries(row)) {
        const read = readValue(v);
        if (read === v) continue;
        copy ??= { ...row };
        copy[key] = read;
      }
      if (copy) changed = true;
      return copy ?? row;
    });
    return changed ? { ...result, rows } : result;
  },
};

const withPlugin = new WeakMap<Kysely<any>, Kysely<any>>();

/**
 * The database as read models use it: through {@link storedTextPlugin}. The projector applies it
 * to handlers' transactions; anything that reads a read model's tables reads through it.
 *
 * @example
 * const { rows } = await sql`select cause from sfn_read.executions`.execute(readModelDb(db));
 */
export const readModelDb = (db: Kysely<any>): Kysely<any> => {
  // Already through the plugin (a transaction of a wrapped database, too): twice would escape twice.
  if (db.getExecutor().plugins.includes(storedTextPlugin)) return db;
  let wrapped = withPlugin.get(db);
  if (!wrapped) {
    wrapped = db.withPlugin(storedTextPlugin);
    withPlugin.set(db, wrapped);
  }
  return wrapped;
};
