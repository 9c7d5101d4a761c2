/**
 * The one reading of a failed valibot parse as a one-line message, used by the JobSpec
 * validation (spec.ts), the IPC request validation (api/requests.ts), session files and
 * the CLI. Every key the input supplied is shown escaped and cut short: an input is
 * untrusted, and a key holding a newline, a terminal escape or a megabyte of text must not
 * break (or flood) the message or the log line it ends up in.
 */
import type * as v from 'valibot';

/** The longest key or string value a message quotes before cutting it with "…". */
const QUOTE_MAX = 40;

/** A value as a message names it: a short quoted string, or what kind of thing it is. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return 'a symbol';
  return 'a value';
}

/** A string in JSON quotes (escapes every control character, quote and backslash), cut at QUOTE_MAX. */
function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_MAX ? text.slice(0, QUOTE_MAX) + '…' : text);
}

function keyText(key: unknown): string {
  return typeof key === 'symbol' ? key.toString() : String(key);
}

/** A key as a message quotes it: "colour", "a\nb", "__proto__". */
export function quoteKey(key: unknown): string {
  return quote(keyText(key));
}

/**
 * A dotted field path (`mask.1.size`). A key that is not a short plain name is shown quoted
 * and escaped (`"a\u001b[2J".size`); `__proto__` and friends are quoted too, so a reader
 * never mistakes them for a field of the schema.
 */
export function fieldPath(path: readonly { key: unknown }[]): string {
  return path
    .map((item) => {
      const key = keyText(item.key);
      return /^[\w$-]+$/.test(key) && key.length <= QUOTE_MAX && !/^__.*__$/.test(key) ? key : quote(key);
    })
    .join('.');
}

/** The schema's own message, or for valibot's generic ones ("Invalid type: Expected Object but received 0") a plain "expected an object". */
function problemText(issue: v.BaseIssue<unknown>): string {
  if (!issue.message.startsWith('Invalid ')) return issue.message;
  const expected = issue.expected === 'Object' ? 'an object' : issue.expected === 'Array' ? 'a list' : (issue.expected ?? 'something else');
  return `expected ${expected}`;
}

export interface IssueProblem {
  /** the dotted path of the field at fault ('' for the input itself) */
  field: string;
  /** what is wrong with it, ending in what was given */
  problem: string;
}

/**
 * The deepest, most specific issue of a failed parse. Unions report their alternatives'
 * issues nested, with paths relative to the union; the alternative that got deepest into
 * the input says the most useful thing.
 */
export function firstProblem(issues: readonly v.BaseIssue<unknown>[]): IssueProblem {
  type Found = { issue: v.BaseIssue<unknown>; path: v.IssuePathItem[]; parent: Found | null };
  let best: Found = { issue: issues[0], path: [...(issues[0].path ?? [])], parent: null };
  const visit = (issue: v.BaseIssue<unknown>, prefix: v.IssuePathItem[], parent: Found | null) => {
    const found: Found = { issue, path: [...prefix, ...(issue.path ?? [])], parent };
    if (found.path.length > best.path.length) best = found;
    issue.issues?.forEach((inner) => visit(inner, found.path, found));
  };
  issues.forEach((i) => visit(i, [], null));
  const { issue, path, parent } = best;
  const field = fieldPath(path);
  const key = path[path.length - 1]?.key;
  const objectIssue = issue.kind === 'schema' && /object$/.test(issue.type);
  if (objectIssue && issue.expected === 'never') return { field, problem: `unknown field ${quoteKey(key)}` };
  if (objectIssue && issue.input === undefined && path.length > 0) {
    // a required key is missing. Directly inside a union (e.g. a source given as a list or
    // as {}), the union's own message says what was expected; deeper, name the field
    // (valibot's own text would read `Invalid key: Expected "path" but received undefined`)
    if (parent && path.length === parent.path.length + 1) {
      return { field: fieldPath(parent.path), problem: `${parent.issue.message}, got ${describeValue(parent.issue.input)}` };
    }
    return { field, problem: `missing field ${quoteKey(key)}` };
  }
  return { field, problem: `${problemText(issue)}, got ${describeValue(issue.input)}` };
}
