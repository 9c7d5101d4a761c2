/**
 * The registry: every entry is a whole module (a bad or missing part fails at once), its
 * defaults pass its own request schema, and — for every experiment — the chart the app's
 * view shows and the chart the CLI's SVG/PNG export draws come from the same builder with
 * the same inputs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as v from 'valibot';
import { exportChartOpts } from '../../src-main/cli/experiment-command';
import { defaultViews, viewChart } from '../../src-renderer/src/logic/experiments';
import {
  checkRegistry,
  defineExperiment,
  EXPERIMENTS,
  experimentChartOption,
  moduleOf,
  moduleProblem,
  optionDefaults,
  optionFields,
  requestOptionsSchema,
  runExperiment,
  type ExperimentModule,
  type ExperimentName,
} from '../../src-shared/experiments';
import { inputOf, referenceContext, sequenceJob } from './helpers';
import { join } from 'node:path';
import { loadCaptureFile } from '../../src-main/service/sources/file-source';
import { captureKey, type FileTable } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';

afterEach(() => vi.restoreAllMocks());

const job = sequenceJob(5, 4, 61, { heads: 2, mask: [{ id: 'causal' }] });
/** small runs: the defaults, made smaller where they are large */
const SMALLER: Partial<Record<ExperimentName, Record<string, unknown>>> = {
  scaling: { dims: [4, 16], n: 6, trials: 1 },
  temperature: { taus: [0.5, 2] },
  recurrence: { lengths: [16, 32], d: 4 },
};

/** the experiments that run over a capture file: the numpy-made TransformerLens one */
const CAPTURE = join(__dirname, '..', 'fixtures', 'captures', 'capture-tl.safetensors');
const ON_CAPTURE: readonly string[] = ['layers'];
async function captureFiles(spec: JobSpec): Promise<FileTable> {
  return new Map([[captureKey(CAPTURE, spec.capture!.layer), await loadCaptureFile(CAPTURE, spec.capture!.layer)]]);
}

async function resultOf(m: ExperimentModule) {
  let input = m.needsJob ? inputOf(job) : null;
  if (ON_CAPTURE.includes(m.id)) {
    const spec = parseJobSpec({ capture: { path: CAPTURE, layer: 0 } });
    input = { spec, files: await captureFiles(spec) };
  }
  const options = { ...(optionDefaults(m, input?.spec ?? null) as object), ...SMALLER[m.id as ExperimentName] };
  return runExperiment(referenceContext({ loadFiles: captureFiles }), m.id as ExperimentName, input, options as never);
}

const good = (): ExperimentModule =>
  defineExperiment({
    id: 'probe',
    title: 'Probe',
    summary: 'a module with every part',
    needsJob: false,
    options: { n: v.optional(v.number(), 1) },
    run: async () => ({}),
    table: () => ({ header: ['x'], rows: [] }),
    chart: () => ({}),
    files: ['csv'],
  }) as ExperimentModule;

describe('the experiment registry', () => {
  it('a module with every part passes; one with a missing or bad part fails, naming it', () => {
    expect(moduleProblem(good())).toBeNull();
    const without = (part: keyof ExperimentModule) => {
      const m: Partial<ExperimentModule> = { ...good() };
      delete m[part];
      return moduleProblem(m);
    };
    expect(without('run')).toMatch(/no run function/);
    expect(without('table')).toMatch(/no table function/);
    expect(without('chart')).toMatch(/no chart function/);
    expect(without('title')).toMatch(/no title/);
    expect(without('summary')).toMatch(/no summary/);
    expect(without('needsJob')).toMatch(/needsJob/);
    expect(without('options')).toMatch(/no options/);
    expect(without('files')).toMatch(/files must list/);
    expect(moduleProblem({ ...good(), id: 'Bad Id' })).toMatch(/^id:/);
    expect(moduleProblem({ ...good(), files: ['pdf' as never] })).toMatch(/files must list/);
    expect(moduleProblem({ ...good(), options: { n: 3 as never } })).toMatch(/option "n" is not a valibot schema/);
    expect(() => checkRegistry([good(), { ...good(), run: undefined }])).toThrow(/experiment "probe": no run function/);
    expect(() => checkRegistry([good(), good()])).toThrow(/"probe" is used twice/);
    expect(() => checkRegistry(EXPERIMENTS)).not.toThrow();
  });

  it('every option has a label and help, and every module’s defaults pass its own request schema', () => {
    for (const m of EXPERIMENTS) {
      for (const f of optionFields(m)) {
        expect(f.label, `${m.id}.${f.name}`).not.toBe('');
        expect(f.help, `${m.id}.${f.name}`).not.toBe('');
      }
      expect(v.safeParse(requestOptionsSchema(m), optionDefaults(m as ExperimentModule)).success, m.id).toBe(true);
    }
  });

  it.each(EXPERIMENTS.map((m) => m.id))('%s: the app’s view and the CLI’s export draw the same option (one builder, the same inputs)', async (id) => {
    const m = moduleOf(id);
    const result = await resultOf(m as ExperimentModule);
    const size = { width: 720, height: 480, theme: 'light' as const };
    const chart = vi.spyOn(m, 'chart');
    // the app: the generic view's build, at the view's starting picks
    const shown = viewChart(id, result as never, { ...size, view: defaultViews()[id] });
    // the CLI: qklab experiment ID --out DIR, before renderSvg / svgToPng
    const exported = experimentChartOption(id, result as never, exportChartOpts(size));
    expect(chart).toHaveBeenCalledTimes(2);
    const [[appResult, appOpts], [cliResult, cliOpts]] = chart.mock.calls;
    expect(appResult).toBe(result);
    expect(cliResult).toBe(result);
    expect({ ...appOpts, forExport: true }).toEqual(cliOpts);
    // with the export's flag the two are one option (functions aside: tooltips' formatters)
    expect(JSON.stringify(viewChart(id, result as never, { ...size, view: defaultViews()[id], forExport: true }))).toBe(JSON.stringify(exported));
    expect(JSON.stringify(shown)).not.toBe('{}');
  });
});
