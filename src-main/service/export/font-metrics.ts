/**
 * Text widths for headless charts. ECharts lays out legends, titles and labels by measuring
 * text; without a canvas it falls back to a Helvetica-like table, but exports are drawn in
 * DejaVu Sans (wider), so legends overlapped and centred text drifted. We read the advance
 * widths of the export font from its TrueType file (cmap + hmtx) instead: the layout ECharts
 * computes is then the one resvg draws.
 */
import { readFileSync } from 'node:fs';

export interface FontMetrics {
  /** advance width of a code point in em, or undefined when the font has no glyph for it */
  advance(codePoint: number): number | undefined;
}

/** Parse the advance widths of a TrueType/OpenType (glyf or CFF) font file. */
export function parseFontMetrics(bytes: Uint8Array): FontMetrics {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numTables = v.getUint16(4);
  const tables = new Map<string, number>();
  for (let t = 0; t < numTables; t++) {
    const rec = 12 + 16 * t;
    const tag = String.fromCharCode(bytes[rec], bytes[rec + 1], bytes[rec + 2], bytes[rec + 3]);
    tables.set(tag, v.getUint32(rec + 8));
  }
  const need = (tag: string) => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`font has no ${tag} table`);
    return off;
  };
  const unitsPerEm = v.getUint16(need('head') + 18);
  const numberOfHMetrics = v.getUint16(need('hhea') + 34);
  const hmtx = need('hmtx');
  const advanceOfGlyph = (g: number) => v.getUint16(hmtx + 4 * Math.min(g, numberOfHMetrics - 1)) / unitsPerEm;

  // cmap: prefer a Unicode full-repertoire subtable (format 12), else BMP (format 4)
  const cmap = need('cmap');
  const n = v.getUint16(cmap + 2);
  let f4 = -1;
  let f12 = -1;
  for (let s = 0; s < n; s++) {
    const platform = v.getUint16(cmap + 4 + 8 * s);
    const encoding = v.getUint16(cmap + 6 + 8 * s);
    const off = cmap + v.getUint32(cmap + 8 + 8 * s);
    const format = v.getUint16(off);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    if (format === 12 && f12 < 0) f12 = off;
    if (format === 4 && f4 < 0) f4 = off;
  }
  const glyphOf = (cp: number): number => {
    if (f12 >= 0) {
      const groups = v.getUint32(f12 + 12);
      for (let g = 0; g < groups; g++) {
        const rec = f12 + 16 + 12 * g;
        const start = v.getUint32(rec);
        const end = v.getUint32(rec + 4);
        if (cp >= start && cp <= end) return v.getUint32(rec + 8) + (cp - start);
      }
      return 0;
    }
    if (f4 < 0 || cp > 0xffff) return 0;
    const segX2 = v.getUint16(f4 + 6);
    const ends = f4 + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    for (let i = 0; i < segX2; i += 2) {
      const end = v.getUint16(ends + i);
      if (cp > end) continue;
      const start = v.getUint16(starts + i);
      if (cp < start) return 0;
      const delta = v.getInt16(deltas + i);
      const ro = v.getUint16(ranges + i);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = v.getUint16(ranges + i + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number | undefined>();
  return {
    advance(cp: number) {
      if (cache.has(cp)) return cache.get(cp);
      const g = glyphOf(cp);
      const a = g === 0 ? undefined : advanceOfGlyph(g);
      cache.set(cp, a);
      return a;
    },
  };
}

const FONT_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/TTF',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/local/share/fonts',
  '/Library/Fonts',
];

function loadFirst(file: string): FontMetrics | null {
  for (const dir of FONT_DIRS) {
    try {
      return parseFontMetrics(readFileSync(`${dir}/${file}`));
    } catch {
      // not here (or unreadable): try the next place
    }
  }
  return null;
}

let regular: FontMetrics | null | undefined;
let bold: FontMetrics | null | undefined;

/** DejaVu Sans (regular, bold) when installed; null when not, and callers keep their estimate. */
export function exportFontMetrics(isBold: boolean): FontMetrics | null {
  if (regular === undefined) regular = loadFirst('DejaVuSans.ttf');
  if (bold === undefined) bold = loadFirst('DejaVuSans-Bold.ttf') ?? regular;
  return isBold ? bold : regular;
}

/**
 * The width in px of `text` in a CSS font string such as "bold 15px DejaVu Sans"; characters
 * the font lacks (resvg draws them from a fallback font) count as 1 em, wide enough for CJK.
 */
export function measureText(text: string, font: string | undefined): number | null {
  const f = font ?? '12px sans-serif';
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(f)?.[1] ?? 12);
  const metrics = exportFontMetrics(/\bbold\b|\b[6-9]00\b/.test(f));
  if (!metrics) return null;
  let em = 0;
  for (const ch of text) em += metrics.advance(ch.codePointAt(0)!) ?? 1;
  return em * size;
}
