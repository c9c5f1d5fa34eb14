import { expect } from 'chai';
import { decodeBase64Std, encodeBase64Std } from '../../../crypto/base64.js';
import { isCryptoError } from '../../../crypto/errors.js';

function decodeError(text: string): string {
  try {
    decodeBase64Std(text);
  } catch (err) {
    expect(isCryptoError(err, 'INVALID_BASE64')).to.equal(true);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('crypto/base64: Go StdEncoding semantics', () => {
  it('decodes padded standard base64, and the empty string', () => {
    expect(decodeBase64Std('YmFy').toString()).to.equal('bar');
    expect(decodeBase64Std('YmE=').toString()).to.equal('ba');
    expect(decodeBase64Std('Yg==').toString()).to.equal('b');
    expect(decodeBase64Std('+/8=')).to.deep.equal(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64Std('').length).to.equal(0);
  });

  it('ignores CR and LF like Go', () => {
    expect(decodeBase64Std('Ym\r\nFy\n').toString()).to.equal('bar');
  });

  it('rejects missing padding', () => {
    expect(decodeError('YmE')).to.match(/not a multiple of 4/);
  });

  it('rejects URL-safe characters, spaces and garbage, naming the offset', () => {
    expect(decodeError('-_8=')).to.match(/unexpected character "-" at offset 0/);
    expect(decodeError('Ym Fy')).to.match(/" " at offset 2/);
    expect(decodeError('YmFy!')).to.match(/"!"/);
  });

  it('rejects misplaced padding', () => {
    expect(decodeError('Y===')).to.match(/padding/);
    expect(decodeError('YmE=YmFy')).to.match(/padding/);
  });

  it('encodes as one padded line', () => {
    expect(encodeBase64Std(Buffer.from('ba'))).to.equal('YmE=');
    expect(encodeBase64Std(new Uint8Array(100))).to.not.include('\n');
  });
});
