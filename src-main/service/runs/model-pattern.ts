/**
 * modelPattern: the model's own attention pattern of one head of a finished run that read a
 * capture (docs/semantics.md "Captures"). Only the head asked for crosses to the renderer
 * (the compare view's A, "model vs re-scored"); the layer comes from the file cache, which
 * the run filled, through the same path checks as the run's own load.
 */
import { basename } from 'node:path';
import type { ModelPatternReply } from '../../../src-shared/api/lab-api';
import type { ServiceContext } from '../service-context';

/** A request that does not fit the run, as a RequestError-like message naming the field. */
function refuse(field: string, problem: string): never {
  const e = new Error(`modelPattern: ${field}: ${problem}`) as Error & { field: string };
  e.name = 'RequestError';
  e.field = field;
  throw e;
}

export async function modelPatternOf(ctx: ServiceContext, req: { runId: string; head: number }): Promise<ModelPatternReply> {
  if (ctx.closed) throw new Error('the lab is shutting down');
  const run = ctx.kept.get(req.runId);
  if (!run) throw new Error(`the run "${req.runId}" is no longer available; run it again`);
  const capture = run.spec.capture;
  if (!capture) refuse('runId', `the run "${req.runId}" did not read a capture file, so it has no model pattern`);
  const heads = run.result.heads;
  if (req.head >= heads) refuse('head', `the run has ${heads} head${heads === 1 ? '' : 's'} (0–${heads - 1}), got ${req.head}`);
  const path = ctx.jobFiles.path({ path: capture.path, field: 'capture.path' });
  const loaded = await ctx.files.loadCapture(path, capture.layer);
  const data = loaded.data;
  if (!data) refuse('runId', `${basename(path)}: layer ${capture.layer} is not in the file any more`);
  if (!data.pattern) refuse('runId', `${basename(path)}: layer ${capture.layer} holds no model pattern (hook_pattern or .pattern)`);
  if (run.result.Tq !== data.Tq || run.result.Tk !== data.Tk) {
    refuse('runId', `the run is ${run.result.Tq}×${run.result.Tk} and the model's pattern ${data.Tq}×${data.Tk} (a transposed run has no model counterpart)`);
  }
  const modelHead = capture.heads ? capture.heads[req.head] : req.head;
  const size = data.Tq * data.Tk;
  return {
    runId: req.runId,
    head: req.head,
    modelHead,
    layer: capture.layer,
    Tq: data.Tq,
    Tk: data.Tk,
    weights: data.pattern.slice(modelHead * size, (modelHead + 1) * size),
  };
}
