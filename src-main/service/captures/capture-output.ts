/**
 * A capture as the user gets it: one .safetensors file (per captured layer hook_q, hook_k,
 * hook_v [pos, head, d_head] and hook_pattern [head, query_pos, key_pos], float32, under
 * TransformerLens's names; docs/semantics.md "Model captures"), its `__metadata__`, and the
 * summary `qklab capture --json` prints.
 */
import { hookName } from '../../../src-shared/capture/layout';
import { encodeSafetensors, type SafetensorsEntry } from '../safetensors-write';
import type { Capture } from './capture-model';

/** the capture's `__metadata__.format` */
export const CAPTURE_FORMAT = 'qklab.capture';
export const CAPTURE_FORMAT_VERSION = '1';

/** The taps of the captured layers, as the metadata and `--json` list them. */
export function tapsJson(capture: Capture): Record<string, unknown>[] {
  return capture.layers.map((l) => ({
    layer: l.tap.layer,
    softmax: l.tap.softmaxNode,
    scores: l.tap.scoresNode,
    output: l.tap.outputNode,
    q: l.tap.q,
    k: l.tap.k,
    v: l.tap.v,
    pattern: l.tap.pattern,
    k_transposed: l.tap.kTransposed,
    q_scale: l.qScale,
    k_scale: l.kScale,
    score_scale: l.scoreScale,
    layout: l.layout,
    heads: l.heads,
    d_head: l.dHead,
    d_value: l.dValue,
  }));
}

/** What `qklab capture --json` prints: the shape of the capture and the taps found, no tensors. */
export function captureSummary(capture: Capture): Record<string, unknown> {
  const first = capture.layers[0];
  return {
    model: capture.model,
    layers: capture.layerCount,
    captured: capture.layers.map((l) => l.tap.layer),
    heads: first.heads,
    d_head: first.dHead,
    positions: first.T,
    input_ids: capture.ids,
    tokens: capture.tokens,
    ...(capture.text !== undefined ? { text: capture.text } : {}),
    taps: tapsJson(capture),
  };
}

/** The safetensors `__metadata__` (string values, as the format requires). */
export function captureMetadata(capture: Capture): Record<string, string> {
  const s = captureSummary(capture);
  const meta: Record<string, string> = {
    format: CAPTURE_FORMAT,
    format_version: CAPTURE_FORMAT_VERSION,
    model: capture.model,
    layers: String(s.layers),
    heads: String(s.heads),
    d_head: String(s.d_head),
    positions: String(s.positions),
    input_ids: JSON.stringify(capture.ids),
    tokens: JSON.stringify(capture.tokens),
    taps: JSON.stringify(s.taps),
  };
  if (capture.text !== undefined) meta.text = capture.text;
  return meta;
}

/** The capture as one .safetensors file: per captured layer hook_q, hook_k, hook_v, hook_pattern (float32). */
export function encodeCapture(capture: Capture): Uint8Array {
  const tensors: SafetensorsEntry[] = capture.layers.flatMap((l) => [
    { name: hookName(l.tap.layer, 'hook_q'), shape: [l.T, l.heads, l.dHead], data: l.hook_q },
    { name: hookName(l.tap.layer, 'hook_k'), shape: [l.T, l.heads, l.dHead], data: l.hook_k },
    { name: hookName(l.tap.layer, 'hook_v'), shape: [l.T, l.heads, l.dValue], data: l.hook_v },
    { name: hookName(l.tap.layer, 'hook_pattern'), shape: [l.heads, l.T, l.T], data: l.hook_pattern },
  ]);
  return encodeSafetensors(tensors, captureMetadata(capture));
}
