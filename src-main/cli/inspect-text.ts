/** `qklab inspect`: what the loader sees in a file. */
import type { LoadedEmbeddings } from '../../src-shared/formats/types';

export function inspectText(name: string, loaded: LoadedEmbeddings): string {
  const { embeddings: e } = loaded;
  const lines = [`file:    ${name}`, `format:  ${loaded.format}`, `dtype:   ${loaded.dtype}`, `shape:   ${loaded.shape.join(' × ')} (read as ${e.T} vectors of width ${e.d})`];
  if (loaded.parts && loaded.parts.length > 1) lines.push(`parts:   ${loaded.parts.join(', ')} (reading ${loaded.part ?? loaded.parts[0]})`);
  if (e.tokens) {
    const shown = e.tokens
      .slice(0, 8)
      .map((t) => JSON.stringify(t))
      .join(', ');
    lines.push(`tokens:  ${shown}${e.T > 8 ? `, … (${e.T} in all)` : ''}`);
  } else {
    lines.push('tokens:  none (positions are numbered)');
  }
  let min = Infinity;
  let max = -Infinity;
  let sumSq = 0;
  for (const x of e.data) {
    if (x < min) min = x;
    if (x > max) max = x;
    sumSq += x * x;
  }
  const rms = Math.sqrt(sumSq / Math.max(1, e.data.length));
  lines.push(`values:  min ${min.toPrecision(4)}, max ${max.toPrecision(4)}, rms ${rms.toPrecision(4)}`);
  return lines.join('\n');
}
