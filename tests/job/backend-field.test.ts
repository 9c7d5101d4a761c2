/** The JobSpec's `backend` field: an optional picklist that resolve passes through to the problem, untouched by the graph. */
import { describe, expect, it } from 'vitest';
import { JobSpecError, parseJobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { graphKey } from '../../src-shared/graph';

const base = {
  embeddings: {
    inline: {
      vectors: [
        [1, 0],
        [0, 1],
      ],
    },
  },
};

describe('JobSpec backend', () => {
  it('accepts auto, cpu, wasm and webgpu, and resolve passes it through', () => {
    for (const backend of ['auto', 'cpu', 'wasm', 'webgpu'] as const) {
      const spec = parseJobSpec({ ...base, backend });
      expect(spec.backend).toBe(backend);
      expect(resolveJob(spec).backend).toBe(backend);
    }
    // absent: absent (the router reads that as auto)
    expect('backend' in resolveJob(parseJobSpec(base))).toBe(false);
  });

  it('refuses anything else, naming the field and the choices', () => {
    expect(() => parseJobSpec({ ...base, backend: 'gpu' })).toThrow(JobSpecError);
    expect(() => parseJobSpec({ ...base, backend: 'gpu' })).toThrow(/^backend: expected one of "auto", "cpu", "wasm", "webgpu", got "gpu"$/);
  });

  it('never changes the graph: where a job runs is not what it computes', () => {
    const a = resolveJob(parseJobSpec({ ...base, backend: 'wasm' }));
    const b = resolveJob(parseJobSpec({ ...base, backend: 'webgpu' }));
    expect(graphKey(a)).toBe(graphKey(b));
    expect(graphKey(a)).toBe(graphKey(resolveJob(parseJobSpec(base))));
  });
});
