import { expect } from 'chai';
import { parseCutoffTime, parseDuration } from '../../../controller/keys/duration.js';

describe('flag durations and times', () => {
  const cases: [string, number][] = [
    ['720h', 720 * 3_600_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['0s', 0],
    ['720', 720 * 3_600_000],
  ];
  for (const [text, ms] of cases) {
    it(`parses ${text}`, () => expect(parseDuration(text)).to.equal(ms));
  }
  it('rejects garbage and negatives', () => {
    for (const bad of ['', '1d', '-1h', 'h', '10 h']) {
      expect(() => parseDuration(bad), bad).to.throw('invalid duration');
    }
  });
  it('parses RFC 1123Z (Go) and ISO cutoff times', () => {
    expect(parseCutoffTime('Mon, 02 Jan 2006 15:04:05 -0700').toISOString()).to.equal(
      '2006-01-02T22:04:05.000Z',
    );
    expect(parseCutoffTime('2024-05-01T00:00:00Z').toISOString()).to.equal(
      '2024-05-01T00:00:00.000Z',
    );
    expect(() => parseCutoffTime('yesterday')).to.throw('RFC 1123');
  });
});
