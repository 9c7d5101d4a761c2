/**
 * Validation messages with hostile keys. A request (or a job file, or a session) is
 * untrusted: a key holding a newline, a terminal escape, `__proto__` or a megabyte of text
 * must come back escaped and cut short, on one line, through IPC validation as through the
 * JobSpec validation the CLI uses — one formatter (src-shared/job/issue-message.ts) for both.
 */
import { describe, expect, it } from 'vitest';
import type { LabOperations } from '../../src-shared/api/requests';
import { JobSpecError, parseJobSpec } from '../../src-shared/job/spec';
import { dispatch } from '../../src-main/service/dispatch';

const abs = process.platform === 'win32' ? 'C:\\data\\emb.npy' : '/data/emb.npy';
const job = {
  embeddings: {
    inline: {
      tokens: ['a', 'b'],
      vectors: [
        [1, 0],
        [0, 1],
      ],
    },
  },
  metric: { id: 'cosine', tau: 0.5 },
};

/** No service behind it: every request here must be refused by validation. */
const unreachable = new Proxy({} as LabOperations, {
  get: () => () => {
    throw new Error('the service was reached');
  },
});

const HOSTILE: [string, string][] = [
  ['a newline', 'colour\ninjected: line'],
  ['a terminal escape', '\u001b[2J\u001b[31mred'],
  ['a NUL and a carriage return', 'a\u0000b\rc'],
  ['__proto__', '__proto__'],
  // (under openEmbeddings' 16 KiB request limit, which would refuse it before the schema)
  ['a very long key', 'k'.repeat(10_000)],
];

/** One line of printable text (no control characters), of a bounded length. */
function expectOneSafeLine(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(text.length).toBeLessThan(400);
}

describe('hostile keys in validation messages', () => {
  for (const [what, key] of HOSTILE) {
    // JSON.parse makes "__proto__" an own key, as a request decoded from the wire would have it
    const withKey = (base: object) => JSON.parse(`{${JSON.stringify(key)}:1,${JSON.stringify(base).slice(1)}`) as object;

    it(`IPC: a request with ${what} as a key is refused with the key escaped`, async () => {
      const reply = await dispatch(unreachable, 'openEmbeddings', withKey({ path: abs }));
      expect(reply.ok).toBe(false);
      if (reply.ok) return;
      expect(reply.error.name).toBe('RequestError');
      expectOneSafeLine(reply.error.message);
      expect(reply.error.message).toContain(`unknown field ${JSON.stringify(key.length > 40 ? key.slice(0, 40) + '…' : key)}`);
      expectOneSafeLine(reply.error.field ?? '');
    });

    it(`IPC: a JobSpec with ${what} as a nested key names the field escaped`, async () => {
      const reply = await dispatch(unreachable, 'runJob', { runId: 'run-1', job: { ...job, metric: withKey(job.metric) } });
      expect(reply.ok).toBe(false);
      if (reply.ok) return;
      expectOneSafeLine(reply.error.message);
      expect(reply.error.message).toMatch(/^runJob: job\.metric\..+: unknown field "/);
    });

    it(`JobSpec (the CLI's validation): ${what} as a key is escaped`, () => {
      let error: unknown;
      try {
        parseJobSpec(withKey(job));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JobSpecError);
      expectOneSafeLine((error as Error).message);
      expectOneSafeLine((error as JobSpecError).field);
    });
  }
});
