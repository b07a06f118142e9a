/**
 * A D1 binding whose first `failures` writes throw, as D1 does when it is unreachable or
 * overloaded. Reads always pass. A batch is one write. The code under test is handed this in
 * place of `env.DB` and runs unchanged.
 */
export interface FaultyD1 {
  db: D1Database;
  /** writes refused so far */
  refused(): number;
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

export function faultyD1(real: D1Database, failures: number): FaultyD1 {
  let left = failures;
  let refused = 0;
  const write = () => {
    if (left <= 0) return;
    left--;
    refused++;
    throw new Error("D1_ERROR: injected fault (test)");
  };
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const guard = () => {
      if (WRITE.test(sql)) write();
    };
    const w = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
      run: async () => (guard(), stmt.run()),
      all: async () => (guard(), stmt.all()),
      first: async (column?: string) => (guard(), column === undefined ? stmt.first() : stmt.first(column)),
      raw: async (options?: { columnNames?: boolean }) => (guard(), stmt.raw(options as { columnNames: true })),
    } as unknown as D1PreparedStatement;
    unwrapped.set(w, stmt);
    return w;
  };
  const db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      write();
      return real.batch(statements.map((s) => unwrapped.get(s) ?? s));
    },
    exec: (sql: string) => real.exec(sql),
    dump: () => real.dump(),
    withSession: (constraint?: string) => real.withSession(constraint),
  } as unknown as D1Database;
  return { db, refused: () => refused };
}
