/** `qklab metrics`: the catalogue as text or JSON, read from the one catalogue. */
import { MASKS, NORMALIZERS, POSITIONS, QUANTIZERS, RECURRENCES, SCORE_FUNCTIONS, type CatalogueEntry } from '../../src-shared/metrics/catalogue';

function entryText(e: CatalogueEntry): string {
  const lines = [`  ${e.id.padEnd(12)} ${e.formula}`, `  ${''.padEnd(12)} ${e.help}`];
  for (const p of e.params) {
    const dflt = p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : '';
    lines.push(`  ${''.padEnd(14)}${p.name}: ${p.help}${dflt}`);
  }
  return lines.join('\n');
}

/** The catalogue's lists in the order `qklab metrics` prints them: JSON key, heading, entries. */
const SECTIONS: [key: string, heading: string, entries: readonly CatalogueEntry[]][] = [
  ['scores', 'Score functions (metric.id):', SCORE_FUNCTIONS],
  ['masks', 'Masks (mask[].id, combined by AND):', MASKS],
  ['normalizers', 'Normalisers (normalizer):', NORMALIZERS],
  ['positions', 'Positions (position.id; RoPE and sinusoidal change q and k, ALiBi biases the scores):', POSITIONS],
  ['quantizers', 'Quantizers (quantize.id; after positions, before scoring):', QUANTIZERS],
  ['recurrences', 'Recurrences (recurrence.id; implicit attention in place of metric and normalizer, causal):', RECURRENCES],
];

export function formatCatalogue(json: boolean): string {
  if (json) return JSON.stringify(Object.fromEntries(SECTIONS.map(([key, , entries]) => [key, entries])), null, 2);
  return SECTIONS.map(([, heading, entries]) => [heading, ...entries.map(entryText)].join('\n')).join('\n\n');
}
