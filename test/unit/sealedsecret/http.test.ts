import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { clientOf, parseSealedSecretBody, rotated } from '../../../controller/sealedsecret/http.js';
import { GcraLimiter } from '../../../controller/sealedsecret/ratelimit.js';
import { sealedSecret } from './fixtures.js';

describe('SealedSecret HTTP endpoints (pure parts)', () => {
  it("rotate forces the template metadata to the object's own name, namespace and scope", () => {
    const ss = sealedSecret({
      template: {
        metadata: {
          name: 'evil',
          namespace: 'other',
          labels: { l: '1' },
          annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true', keep: 'me' },
        },
        type: 'Opaque',
      },
      data: 'legacy',
    });
    const out = rotated(ss, { a: 'new' });
    expect(out.spec.encryptedData).to.deep.equal({ a: 'new' });
    expect(out.spec).to.not.have.property('data');
    expect(out.spec.template?.metadata).to.deep.equal({
      name: 'db',
      namespace: 'prod',
      labels: { l: '1' },
      annotations: { keep: 'me' },
    });
    const nsWide = rotated(
      sealedSecret({
        annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
        template: {
          metadata: { annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } },
        },
      }),
      {},
    );
    expect(nsWide.spec.template?.metadata?.annotations).to.deep.equal({
      'sealedsecrets.bitnami.com/namespace-wide': 'true',
    });
  });

  it('parses exactly one SealedSecret from JSON or YAML', () => {
    const ss = sealedSecret();
    expect(parseSealedSecretBody(Buffer.from(JSON.stringify(ss))).metadata?.name).to.equal('db');
    expect(
      parseSealedSecretBody(
        Buffer.from('---\nkind: SealedSecret\nmetadata: {name: x}\nspec: {encryptedData: {}}\n'),
      ).metadata?.name,
    ).to.equal('x');
    expect(() =>
      parseSealedSecretBody(Buffer.from(`${JSON.stringify(ss)}\n---\n${JSON.stringify(ss)}`)),
    ).to.throw('exactly one');
    expect(() => parseSealedSecretBody(Buffer.from('[1,2]'))).to.throw('not an object');
    expect(() => parseSealedSecretBody(Buffer.from('{"kind":"x"}'))).to.throw('no spec');
  });

  it("counts a request against the last X-Forwarded-For hop (the API server proxy's), else the socket", () => {
    const req = (xff: string | undefined): IncomingMessage =>
      ({
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
        socket: { remoteAddress: '10.0.0.9' },
      }) as unknown as IncomingMessage;
    expect(clientOf(req('1.1.1.1, 2.2.2.2'))).to.equal('2.2.2.2');
    expect(clientOf(req(undefined))).to.equal('10.0.0.9');
  });

  it('GCRA: burst then the sustained rate, per key', () => {
    let now = 0;
    const l = new GcraLimiter({ ratePerSecond: 2, burst: 2, now: () => now });
    expect([l.allow('a'), l.allow('a'), l.allow('a')]).to.deep.equal([true, true, false]);
    expect(l.allow('b')).to.equal(true);
    now = 499;
    expect(l.allow('a')).to.equal(false);
    now = 500;
    expect(l.allow('a')).to.equal(true);
    now = 10_000;
    expect([l.allow('a'), l.allow('a'), l.allow('a')]).to.deep.equal([true, true, false]);
    expect(() => new GcraLimiter({ ratePerSecond: 0, burst: 1 })).to.throw();
  });

  it('GCRA sweeps idle keys to bound memory', () => {
    let now = 0;
    const l = new GcraLimiter({ ratePerSecond: 1, burst: 1, now: () => now, maxKeys: 3 });
    ['a', 'b', 'c'].forEach((k) => l.allow(k));
    now = 5000;
    expect(l.allow('d')).to.equal(true);
    expect((l as unknown as { tat: Map<string, number> }).tat.size).to.equal(1);
  });
});
