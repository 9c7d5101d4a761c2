/**
 * Shared pieces of the reliability tests (issue #6): run counts for property tests, deadlines,
 * the CLI run in-process with its output captured, and the figures the long runs record into
 * bench/reliability.json (docs/reliability.md).
 */
import { vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../src-main/cli/main';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
export const REPORT_PATH = fileURLToPath(new URL('../../bench/reliability.json', import.meta.url));

export { runs } from './runs';

/** True when the long runs asked for figures to be recorded (scripts/reliability.mjs sets it). */
export const RECORDING = process.env.QKLAB_RELIABILITY_REPORT === '1';

/** Merges one section of figures into bench/reliability.json (only when RECORDING). */
export function recordFigures(section: string, figures: unknown): void {
  if (!RECORDING) return;
  let report: Record<string, unknown> = {};
  if (existsSync(REPORT_PATH)) {
    try {
      report = JSON.parse(readFileSync(REPORT_PATH, 'utf8'));
    } catch {
      report = {};
    }
  }
  report[section] = { ...(figures as object), recordedAt: new Date().toISOString() };
  writeFileSync(REPORT_PATH, JSON.stringify(report, null, 2) + '\n');
}

/** Rejects when `promise` takes longer than `ms` (the thing under test has hung). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `qklab …` in this process (the same `main` bin/qklab.mjs calls), its output captured. */
export async function qklabInProcess(...args: string[]): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const t0 = performance.now();
  try {
    const code = await main(args);
    return { code, stdout, stderr, ms: performance.now() - t0 };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A stack trace line ("    at fn (file:1:2)") anywhere in the text. */
export const STACK_LINE = /^\s+at\s.+[:(]/m;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
