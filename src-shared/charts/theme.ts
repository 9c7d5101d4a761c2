/** What every chart option shares: sizes, theme colours, fonts, number and token formatting. */

export type ChartTheme = 'light' | 'dark';

export interface ChartOpts {
  /** the chart's size in CSS pixels (exports: the SVG size; PNGs multiply it by their scale) */
  width: number;
  height: number;
  theme: ChartTheme;
  /** a file, not a window: no tooltip or animation, an opaque background, the export font, the caption */
  forExport?: boolean;
  /** a thumbnail: no labels, no tooltip */
  small?: boolean;
}

/** The font exports name in their SVG and resvg is told to use (installed with the app's fonts). */
export const EXPORT_FONT = 'DejaVu Sans';

export interface Palette {
  /** 'transparent' in the app (the window's background shows), opaque in exports */
  background: string;
  text: string;
  subtle: string;
  axis: string;
  split: string;
  /** masked (blocked) cells: a grey with a darker hatch, unlike any colour-map colour at zero */
  masked: string;
  hatch: string;
  bar: string;
  reference: string;
  empty: string;
}

const LIGHT: Palette = {
  background: '#ffffff',
  text: '#222222',
  subtle: '#555555',
  axis: '#8a8a8a',
  split: '#e6e6e6',
  masked: '#d9d9d9',
  hatch: '#8c8c8c',
  bar: '#4a78b5',
  reference: '#c0392b',
  empty: '#bbbbbb',
};

const DARK: Palette = {
  background: '#1c1e23',
  text: '#e4e4e4',
  subtle: '#a8a8a8',
  axis: '#6e727a',
  split: '#33363d',
  masked: '#3b3e45',
  hatch: '#80858f',
  bar: '#6f9fd8',
  reference: '#ff7b6b',
  empty: '#5a5d63',
};

export function palette(theme: ChartTheme, forExport = false): Palette {
  const p = theme === 'dark' ? DARK : LIGHT;
  return forExport ? p : { ...p, background: 'transparent' };
}

export function fontSize(opts: ChartOpts): number {
  return opts.forExport ? 12 : 11;
}

/** The option keys every chart starts from. */
export function baseOption(opts: ChartOpts) {
  const p = palette(opts.theme, opts.forExport);
  return {
    animation: !opts.forExport,
    backgroundColor: p.background,
    textStyle: opts.forExport ? { fontFamily: EXPORT_FONT, color: p.text } : { color: p.text },
  };
}

/**
 * An estimate of a text's width in pixels (DejaVu Sans / system UI fonts average about 0.6 em
 * per Latin character; wide scripts about 1 em). Layout uses it to make room for labels; the
 * exact width does not matter, erring wide does.
 */
export function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (
      c >= 0x1100 &&
      (c <= 0x115f || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) || c >= 0x1f300)
    )
      w += 1.0;
    else if ("il.,:;|!'`ftj()[]".includes(ch)) w += 0.34;
    else if ('mwMW@'.includes(ch)) w += 0.9;
    else if (ch >= 'A' && ch <= 'Z') w += 0.7;
    else w += 0.62;
  }
  return w * size;
}

/**
 * A number for a label or tooltip: three significant digits, exponent form for the very
 * small and very large (`0.123`, `1.45`, `1e-4`, `2.5e6`), `−∞` for a blocked score.
 */
export function formatValue(x: number): string {
  if (x === -Infinity) return '−∞';
  if (x === Infinity) return '∞';
  if (Number.isNaN(x)) return 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) {
    return String(Number(x.toPrecision(3)));
  }
  const [m, e] = x.toExponential(2).split('e');
  return `${String(Number(m))}e${e.replace('+', '')}`;
}

/** A token as an axis label: control characters made visible, long tokens cut with '…'. */
export function displayToken(token: string, maxChars = 14): string {
  let t = token.replace(/\n/g, '↵').replace(/\r/g, '␍').replace(/\t/g, '⇥');
  // eslint-disable-next-line no-control-regex
  t = t.replace(/[\u0000-\u001f\u007f]/g, '�');
  if (t === '') return '""';
  if (t.trim() === '') return t.replace(/ /g, '␣');
  const chars = [...t];
  return chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : t;
}

/** Every `interval + 1`-th label is shown so that labels `spacing` px apart are at least `need` px apart. */
export function labelInterval(spacing: number, need: number): number {
  if (spacing <= 0) return 0;
  return Math.max(0, Math.ceil(need / spacing) - 1);
}

/** Break text into lines of at most `maxWidth` px (estimated), at spaces where it can. */
export function wrapText(text: string, maxWidth: number, size: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (!line || textWidth(candidate, size) <= maxWidth) {
        line = candidate;
        continue;
      }
      lines.push(line);
      line = word;
    }
    // a single word wider than the line is cut, not left to overflow
    while (textWidth(line, size) > maxWidth && line.length > 1) {
      let n = line.length;
      while (n > 1 && textWidth(line.slice(0, n), size) > maxWidth) n--;
      lines.push(line.slice(0, n));
      line = line.slice(n);
    }
    lines.push(line);
  }
  return lines;
}
