/**
 * `.qklab` files on disk: their text (written with ../durable-files.ts), read back as
 * untrusted input.
 */
import { basename } from 'node:path';
import * as v from 'valibot';
import { payloadBytes, sessionDocSchema } from '../../../src-shared/api/requests';
import type { SessionDoc } from '../../../src-shared/api/lab-api';
import { parseJobSpec } from '../../../src-shared/job/spec';
import { firstProblem } from '../../../src-shared/job/issue-message';
import { jsonErrorPlace } from '../sources/json-file';
import { readRegularFile, SafeOpenError } from '../sources/safe-open';

/** A session file that could not be read; the message names the file and what is wrong. */
export class SessionFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${basename(path)}: ${problem}`);
    this.name = 'SessionFileError';
  }
}

/** Parse and validate a session file's text (JobSpec checked with its own, field-naming messages). */
export function parseSessionText(path: string, text: string): SessionDoc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // the place, not V8's message: that quotes the file's text
    throw new SessionFileError(path, `not a QK Lab session (the file is not valid JSON: ${jsonErrorPlace(text, e)})`);
  }
  // deeper than any request may be (requests.ts): such a document could not even be sent to the window
  if (payloadBytes(json) === Infinity) {
    throw new SessionFileError(path, 'not a QK Lab session (it is nested more than 64 levels deep)');
  }
  if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== 'qklab-session') {
    throw new SessionFileError(path, 'not a QK Lab session (expected "format": "qklab-session")');
  }
  try {
    parseJobSpec((json as { job?: unknown }).job);
  } catch (e) {
    throw new SessionFileError(path, `the saved job is not valid: ${(e as Error).message}`);
  }
  const result = v.safeParse(sessionDocSchema, json);
  if (!result.success) {
    const { field, problem } = firstProblem(result.issues);
    throw new SessionFileError(path, `${field ? field + ': ' : ''}${problem}`);
  }
  return result.output;
}

/** A session file read safely (regular files only, at most `maxBytes` read) and validated. */
export async function readSessionFile(path: string, maxBytes = 512 * 2 ** 20): Promise<SessionDoc> {
  let text: string;
  try {
    text = (await readRegularFile(path, maxBytes, 'sessions')).toString('utf8');
  } catch (e) {
    throw new SessionFileError(path, e instanceof SafeOpenError ? e.problem : `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).name})`);
  }
  return parseSessionText(path, text);
}

/**
 * A session as text: objects indented for reading and diffing, but a list of numbers or
 * strings (a vector, a token list) on one line, so embedded data stays compact.
 */
export function sessionText(doc: SessionDoc): string {
  return prettyJson(doc, '') + '\n';
}

function prettyJson(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = indent + ' ';
  if (Array.isArray(value)) {
    if (value.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(value);
    if (value.length === 0) return '[]';
    return `[\n${value.map((x) => inner + prettyJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, x]) => x !== undefined && typeof x !== 'function');
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJson(x, inner)}`).join(',\n')}\n${indent}}`;
}
