/** Naming the database: a PostgreSQL URL or an SQLite file, and how to show it without its password. */

/** `--db` / TURNOUT_DB names PostgreSQL when it is a postgres:// or postgresql:// URL. */
export function isPostgresTarget(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target.trim());
}

/** The URL with any password (in the authority or as ?password=) replaced by ***; a file name as it is. */
export function redactUrl(target: string): string {
  return target
    .replace(/^(postgres(?:ql)?:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}
