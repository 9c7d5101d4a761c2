import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeBadNumber, formatSize, parseNumberBytes, parseNumberString } from '../../src-shared/formats/numbers';

const parse = (s: string) => parseNumberString(s);

describe('parseNumberBytes', () => {
  it('agrees exactly with Number() on the shortest text of any double (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = String(x);
        expect(parse(text)).toBe(Number(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with Number() on typical embedding text, fixed and exponent forms (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: 1, max: 20 }), (x, digits) => {
        for (const text of [x.toFixed(digits), x.toExponential(digits), x.toPrecision(digits)]) {
          expect(parse(text)).toBe(Number(text));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the decimal forms GloVe, word2vec and CSV writers use', () => {
    expect(parse('0.418')).toBe(0.418);
    expect(parse('-0.20437')).toBe(-0.20437);
    expect(parse('1e-05')).toBe(1e-5);
    expect(parse('+3.')).toBe(3);
    expect(parse('.25')).toBe(0.25);
    expect(parse('1E+308')).toBe(1e308);
    expect(parse('1e400')).toBe(Infinity);
    expect(parse('0.' + '0'.repeat(400) + '1')).toBe(Number('0.' + '0'.repeat(400) + '1'));
  });

  it('refuses everything else', () => {
    for (const bad of ['', '-', '.', 'e5', '1e', '1e+', '0x10', '1_000', '1,5', 'nan', 'inf', 'Infinity', '1 2', ' 1', '1..2', '--1']) {
      expect(parse(bad), bad).toBeNaN();
    }
  });

  it('parses a sub-range of bytes', () => {
    const bytes = new TextEncoder().encode('a 12.5 b');
    expect(parseNumberBytes(bytes, 2, 6)).toBe(12.5);
  });
});

describe('messages', () => {
  it('describes bad cells', () => {
    expect(describeBadNumber('')).toContain('empty cell');
    expect(describeBadNumber('NaN')).toContain('non-finite');
    expect(describeBadNumber('abc')).toBe('expected a number, found "abc"');
  });

  it('formats sizes', () => {
    expect(formatSize(12)).toBe('12 bytes');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
