/** `qklab metrics`: the catalogue as text or JSON, read from the one catalogue. */
import { MASKS, NORMALIZERS, POSITIONS, QUANTIZERS, SCORE_FUNCTIONS, type CatalogueEntry } from '../../src-shared/metrics/catalogue';

function entryText(e: CatalogueEntry): string {
  const lines = [`  ${e.id.padEnd(12)} ${e.formula}`, `  ${''.padEnd(12)} ${e.help}`];
  for (const p of e.params) {
    const dflt = p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : '';
    lines.push(`  ${''.padEnd(14)}${p.name}: ${p.help}${dflt}`);
  }
  return lines.join('\n');
}

export function formatCatalogue(json: boolean): string {
  if (json) return JSON.stringify({ scores: SCORE_FUNCTIONS, masks: MASKS, normalizers: NORMALIZERS, positions: POSITIONS, quantizers: QUANTIZERS }, null, 2);
  return [
    'Score functions (metric.id):',
    ...SCORE_FUNCTIONS.map(entryText),
    '',
    'Masks (mask[].id, combined by AND):',
    ...MASKS.map(entryText),
    '',
    'Normalisers (normalizer):',
    ...NORMALIZERS.map(entryText),
    '',
    'Positions (position.id; RoPE and sinusoidal change q and k, ALiBi biases the scores):',
    ...POSITIONS.map(entryText),
    '',
    'Quantizers (quantize.id; after positions, before scoring):',
    ...QUANTIZERS.map(entryText),
  ].join('\n');
}
