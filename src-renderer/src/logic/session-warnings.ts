/**
 * Session warnings in words. Opening (or recovering) a session, main names each file that
 * is not as it was when the session was saved (`OpenSessionReply.warnings`):
 *
 * - `words.json has changed since the session was saved (its sha256 differs): …`
 * - `words.json was not found; using the copy embedded in the session`
 * - a file that could not be read, prefixed by the JobSpec field that names it:
 *   `embeddings: words.json: cannot open the file (ENOENT)`
 *
 * The first two are sentences already. The third is put in words here: what the file is
 * (the embeddings, the Wq projection file, …) instead of a field path, and the system error
 * code explained, so the banner reads as a sentence that names the file.
 */

/** What a JobSpec field that names a file is, in words. */
export function fileFieldWords(field: string): string | null {
  const roles: Record<string, string> = { embeddings: 'the embeddings file', queries: 'the queries file', keys: 'the keys file', values: 'the values file' };
  if (roles[field]) return roles[field];
  const projection = /^projection\.([qkv])$/.exec(field);
  if (projection) return `the W${projection[1]} projection file`;
  if (field === 'metric.path') return "the score function's file";
  const mask = /^mask\.(\d+)\.path$/.exec(field);
  if (mask) return `mask ${Number(mask[1]) + 1}'s file`;
  return null;
}

const CODES: Record<string, string> = {
  ENOENT: 'it was not found (moved, renamed or deleted?)',
  EACCES: 'permission to read it was denied',
  EPERM: 'permission to read it was denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a folder on its path is missing',
  EBUSY: 'it is in use by another program',
  EMFILE: 'too many files are open',
  ELOOP: 'its path loops through symbolic links',
  ENAMETOOLONG: 'its path is too long',
};

/** One warning as a sentence naming the file. */
export function sessionWarningText(warning: string): string {
  const text = warning.trim();
  const m = /^([a-z]+(?:\.[A-Za-z0-9_]+)*):\s+(.+)$/s.exec(text);
  const what = m ? fileFieldWords(m[1]) : null;
  if (!m || !what) return text;
  let problem = m[2];
  // "<file>: cannot open the file (ENOENT)" → "<file> (the embeddings file) could not be opened: it was not found …"
  const open = /^(.+?):\s+cannot (?:open|read) the file \(([A-Z0-9_]+)\)\.?$/s.exec(problem);
  if (open) {
    const reason = CODES[open[2]] ?? `the system said ${open[2]}`;
    return `${open[1]} (${what}) could not be opened: ${reason}`;
  }
  problem = problem.replace(/\(([A-Z][A-Z0-9_]{2,})\)/g, (all, code: string) => (CODES[code] ? `(${CODES[code]})` : all));
  return `${capitalise(what)}: ${problem}`;
}

/** The warnings to show: in words, without blanks or repeats. */
export function sessionWarnings(warnings: readonly string[] | undefined | null): string[] {
  const out: string[] = [];
  for (const w of warnings ?? []) {
    if (typeof w !== 'string' || !w.trim()) continue;
    const text = sessionWarningText(w);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The warning for files outside a session's folder that the user chose not to read. */
export function skippedFilesWarning(paths: readonly string[]): string {
  const names = paths.map((p) => p.split(/[\\/]/).pop() || p);
  const list = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return `Not read: ${paths.length === 1 ? 'a file' : `${paths.length} files`} outside the session's folder (${list}); open ${paths.length === 1 ? 'it' : 'them'} yourself to use ${paths.length === 1 ? 'it' : 'them'}`;
}

/** The heading of the warnings banner. */
export function warningsHeading(count: number): string {
  return count === 1 ? 'Session warning:' : `${count} session warnings:`;
}
