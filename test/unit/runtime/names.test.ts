import { expect } from 'chai';
import { childName, isDns1123Label } from '../../../controller/runtime/names.js';

describe('runtime/names childName', () => {
  it('joins valid short parts unchanged', () => {
    expect(childName('tenant', 'acme', 'quota')).to.equal('tenant-acme-quota');
    expect(childName('np')).to.equal('np');
  });

  it('keeps a name of exactly 63 characters as is', () => {
    const part = 'a'.repeat(63 - 'p-'.length);
    const name = childName('p', part);
    expect(name).to.equal(`p-${part}`);
    expect(name).to.have.length(63);
  });

  it('shortens 64 characters to a 54-character prefix plus an 8-character hash', () => {
    const name = childName('p', 'a'.repeat(64 - 'p-'.length));
    expect(name).to.have.length(63);
    expect(name).to.match(/^p-a{52}-[0-9a-f]{8}$/);
  });

  it('is deterministic', () => {
    const long = 'x'.repeat(100);
    expect(childName('tenant', long, 'y')).to.equal(childName('tenant', long, 'y'));
  });

  it('hashes whenever sanitising changed the input, so identities never collide', () => {
    const upper = childName('tenant', 'Acme');
    const lower = childName('tenant', 'acme');
    expect(lower).to.equal('tenant-acme');
    expect(upper).to.match(/^tenant-acme-[0-9a-f]{8}$/);
    expect(childName('a.b')).to.not.equal(childName('a-b'));
  });

  it('keeps part boundaries in the hash', () => {
    const x = childName('p', 'a-b', 'c'.repeat(70));
    const y = childName('p', 'a', 'b-' + 'c'.repeat(70));
    expect(x).to.not.equal(y);
  });

  it('never ends the readable part with a dash', () => {
    // The 54-character cut lands right after a dash.
    const name = childName('p', 'a'.repeat(51) + '-' + 'b'.repeat(20));
    expect(name).to.match(/^p-a{51}-[0-9a-f]{8}$/);
  });

  it('falls back to the bare hash when nothing readable is left', () => {
    expect(childName('...')).to.match(/^[0-9a-f]{8}$/);
  });

  it('throws on an empty prefix', () => {
    expect(() => childName('')).to.throw(/non-empty prefix/);
  });

  it('always returns a valid DNS-1123 label', () => {
    const inputs = [
      ['Tenant', 'ÄÖÜ', 'x'],
      ['-lead', 'trail-'],
      ['p', 'a'.repeat(200)],
      ['UPPER_case', 'with.dots', 'and spaces'],
      ['p', ''],
    ];
    for (const [prefix, ...parts] of inputs) {
      const name = childName(prefix!, ...parts);
      expect(isDns1123Label(name), name).to.equal(true);
    }
  });
});
