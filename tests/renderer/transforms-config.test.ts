/**
 * The Position and Quantize sections: their form values become the JobSpec's `position` and
 * `quantize` (validated as main validates them), errors land on the field, and a session's
 * JobSpec restores them.
 */
import { describe, expect, it } from 'vitest';
import { defaultFormValues, visibleFields } from '../../src-renderer/src/logic/form';
import { buildJobSpec, defaultConfig, emptySources, stateFromJob, transformEntry } from '../../src-renderer/src/logic/jobspec';
import { sample } from '../../src-renderer/src/logic/samples';

const sentence = () => ({ ...emptySources(), embeddings: { kind: 'inline' as const, name: 's', data: sample('sentence').embeddings! } });

describe('Position and Quantize in the configuration panel', () => {
  it('"none" leaves both out of the JobSpec', () => {
    const { job } = buildJobSpec(sentence(), defaultConfig());
    expect(job).not.toBeNull();
    expect(job!.position).toBeUndefined();
    expect(job!.quantize).toBeUndefined();
  });

  it('fields come from the catalogue; the values become the JobSpec entries', () => {
    const rope = transformEntry('position', 'rope');
    expect(visibleFields(rope, defaultFormValues(rope)).map((f) => [f.name, f.control])).toEqual([
      ['base', 'slider'],
      ['layout', 'select'],
      ['dims', 'integer'],
    ]);
    const int = transformEntry('quantize', 'int');
    expect(visibleFields(int, defaultFormValues(int)).find((f) => f.name === 'apply')!.control).toBe('checklist');
    const config = {
      ...defaultConfig(),
      position: { id: 'rope', values: { ...defaultFormValues(rope), layout: 'interleaved', dims: 2 } },
      quantize: { id: 'int', values: { ...defaultFormValues(int), bits: 4, group: 'token', apply: 'q, v' } },
    };
    const { job, errors } = buildJobSpec(sentence(), config);
    expect(errors).toEqual({});
    expect(job!.position).toEqual({ id: 'rope', base: 10000, layout: 'interleaved', dims: 2 });
    expect(job!.quantize).toEqual({ id: 'int', bits: 4, group: 'token', apply: ['q', 'v'] });
  });

  it('ALiBi slopes: "geometric" or a list of numbers; a bad value is an error on the field', () => {
    const alibi = transformEntry('position', 'alibi');
    // a select with "a list of numbers…" beside its one word
    expect(visibleFields(alibi, defaultFormValues(alibi))[0]).toMatchObject({ control: 'select', choices: ['geometric'], allowList: true });
    const ok = buildJobSpec(sentence(), { ...defaultConfig(), position: { id: 'alibi', values: { slopes: '0.5, 0.25' } } });
    expect(ok.draft.position).toEqual({ id: 'alibi', slopes: [0.5, 0.25] });
    expect(buildJobSpec(sentence(), { ...defaultConfig(), position: { id: 'alibi', values: defaultFormValues(alibi) } }).job!.position).toEqual({
      id: 'alibi',
      slopes: 'geometric',
    });
    const bad = buildJobSpec(sentence(), { ...defaultConfig(), position: { id: 'alibi', values: { slopes: 'steep' } } });
    expect(bad.job).toBeNull();
    expect(bad.errors['position.slopes']).toMatch(/"geometric" or a list of numbers/);
    const bits = buildJobSpec(sentence(), { ...defaultConfig(), quantize: { id: 'int', values: { bits: 12 } } });
    expect(bits.errors['quantize.bits']).toMatch(/≤ 8/);
  });

  it('a session restores both sections from its JobSpec', () => {
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
      position: { id: 'alibi', slopes: [0.5] },
      quantize: { id: 'bfloat16', apply: ['k'] },
    };
    const { config } = stateFromJob(job, []);
    expect(config.position).toEqual({ id: 'alibi', values: { slopes: '0.5' } });
    expect(config.quantize).toEqual({ id: 'bfloat16', values: { apply: 'k' } });
    const rebuilt = buildJobSpec(sentence(), config).job!;
    expect(rebuilt.position).toEqual(job.position);
    expect(rebuilt.quantize).toEqual(job.quantize);
    expect(stateFromJob({ embeddings: job.embeddings }, []).config.position.id).toBe('none');
  });
});
