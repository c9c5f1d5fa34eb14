/**
 * The HTTP endpoints and Bitnami's advisories as negative tests (sealed-secrets.md §10):
 * rotate cannot widen a scope (CVE-2026-22728), verify and rotate are no template oracle
 * (GHSA-qj4p-m373-p2wg), floods get 429 per client, and scope annotations flipped after sealing
 * change nothing about what decrypts. Plus the legacy `spec.data`.
 */
import { expect } from 'chai';
import { hybridEncryptNative } from '../../../crypto/hybrid.js';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import { encryptionLabel } from '../../../crypto/scope.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { uniqueName } from '../../helpers/names.js';
import {
  admin,
  createNamespace,
  createSealedSecret,
  decoded,
  getSecret,
  installCRDs,
  post,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
} from './helpers.js';

describe('SealedSecret controller: endpoints and advisories', () => {
  let controller: ControllerProcess;
  let certPem: string;
  let client = 0;
  /** A fresh client address per call, so the rate limit only bites where a test wants it. */
  const fresh = (): Record<string, string> => ({ 'X-Forwarded-For': `10.1.0.${++client}` });

  before(async () => {
    await installCRDs();
    controller = await startSealedSecretController(uniqueName('ss-ctl'));
    certPem = await waitForCert(controller);
  });
  after(async () => {
    await controller?.stop();
  });

  it('serves /v1/cert.pem as application/x-pem-file', async () => {
    const res = await fetch(`http://127.0.0.1:${controller.httpPort}/v1/cert.pem`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/x-pem-file');
    expect(await res.text()).to.match(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('verify: 200 when decryptable, 409 when not, 500 for bad input', async () => {
    const ss = await sealDirect(certPem, { namespace: 'a', name: 'b' }, { k: 'v' });
    expect((await post(controller, '/v1/verify', JSON.stringify(ss), fresh())).status).to.equal(
      200,
    );
    const moved = structuredClone(ss) as { metadata: { name: string } };
    moved.metadata.name = 'other';
    expect((await post(controller, '/v1/verify', JSON.stringify(moved), fresh())).status).to.equal(
      409,
    );
    expect((await post(controller, '/v1/verify', 'not: [json', fresh())).status).to.equal(500);
    const twoDocs = `${JSON.stringify(ss)}\n---\n${JSON.stringify(ss)}`;
    expect((await post(controller, '/v1/verify', twoDocs, fresh())).status).to.equal(500);
  });

  it("rotate keeps the scope of the object's own metadata, whatever the template claims (CVE-2026-22728)", async () => {
    const ns = await createNamespace('ss-rot');
    const ss = await sealDirect(certPem, { namespace: ns, name: 'strict' }, { k: 'v' });
    const template = (
      ss.spec as { template: { metadata: { annotations: Record<string, string> } } }
    ).template;
    template.metadata.annotations = { 'sealedsecrets.bitnami.com/cluster-wide': 'true' };
    const res = await post(controller, '/v1/rotate', JSON.stringify(ss), fresh());
    expect(res.status).to.equal(200);
    const out = JSON.parse(res.body) as {
      metadata: { annotations?: Record<string, string> };
      spec: {
        encryptedData: Record<string, string>;
        template: {
          metadata: { name: string; namespace: string; annotations?: Record<string, string> };
        };
      };
    };
    expect(out.spec.template.metadata.annotations ?? {}).to.not.have.property(
      'sealedsecrets.bitnami.com/cluster-wide',
    );
    expect(out.spec.template.metadata).to.include({ name: 'strict', namespace: ns });
    // The rotated blob opens under its own name and nowhere else.
    await createSealedSecret(out);
    expect(decoded(await waitForSecret(ns, 'strict')).k).to.equal('v');
    const renamed = structuredClone(out) as unknown as {
      metadata: { name: string; annotations?: Record<string, string> };
    };
    renamed.metadata.name = 'stolen';
    renamed.metadata.annotations = { 'sealedsecrets.bitnami.com/cluster-wide': 'true' };
    await createSealedSecret(renamed);
    expect((await waitForSynced(ns, 'stolen', 'False')).reason).to.equal('UnsealFailed');
    expect(await getSecret(ns, 'stolen')).to.equal(undefined);
  });

  it('verify and rotate never render templates: answers do not depend on the plaintext (GHSA-qj4p-m373-p2wg)', async () => {
    const victim = await sealDirect(
      certPem,
      { namespace: 'prod', name: 'db' },
      { password: 'hunter2' },
    );
    const probes = [
      '{{ if eq .password "hunter2" }}x{{ end }}',
      '{{ if eq .password "wrong" }}{{ fail "no" }}{{ end }}',
      '{{ index . "missing" }}',
      '{{ env "HOME" }}',
      'plain',
    ];
    const answers = new Set<string>();
    for (const probe of probes) {
      const attack = structuredClone(victim) as { spec: { template: Record<string, unknown> } };
      attack.spec.template.data = { leak: probe };
      const v = await post(controller, '/v1/verify', JSON.stringify(attack), fresh());
      const r = await post(controller, '/v1/rotate', JSON.stringify(attack), fresh());
      answers.add(`${v.status} ${v.body} | ${r.status}`);
    }
    expect([...answers]).to.deep.equal(['200 OK\n | 200']);
  });

  it('answers 429 to a client flooding verify and rotate, and stays responsive', async () => {
    const ss = JSON.stringify(await sealDirect(certPem, { namespace: 'a', name: 'b' }, { k: 'v' }));
    const flood = { 'X-Forwarded-For': '10.9.9.9' };
    const codes = await Promise.all(
      Array.from({ length: 12 }, () => post(controller, '/v1/verify', ss, flood)),
    );
    const statuses = codes.map((c) => c.status);
    expect(statuses.filter((s) => s === 429).length).to.be.at.least(8);
    expect(statuses.filter((s) => s === 200).length).to.be.at.least(1);
    // Each path has its own bucket per client, as Bitnami's.
    const rotations = await Promise.all(
      Array.from({ length: 6 }, () => post(controller, '/v1/rotate', ss, flood)),
    );
    expect(rotations.filter((r) => r.status === 429).length).to.be.at.least(3);
    // Another client is not affected, nor are the probes.
    expect((await post(controller, '/v1/verify', ss, fresh())).status).to.equal(200);
    expect((await controller.get('/healthz')).status).to.equal(200);
    expect(await controller.metrics()).to.match(
      /sealed_secrets_controller_http_requests_total\{path="\/v1\/verify",method="POST",code="429"\} \d+/,
    );
  });

  it('flipping scope annotations after sealing does not change what decrypts', async () => {
    const ns = await createNamespace('ss-flip');
    await createSealedSecret(await sealDirect(certPem, { namespace: ns, name: 'f' }, { k: 'v' }));
    await waitForSynced(ns, 'f', 'True');
    await admin().request({
      method: 'PATCH',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/f`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } } },
    });
    const c = await waitForSynced(ns, 'f', 'False');
    expect(c.message).to.contain('cluster-wide scope');
    expect(decoded(await getSecret(ns, 'f')).k, 'the existing Secret is kept').to.equal('v');
  });

  it('unseals the deprecated spec.data (v1) alone', async () => {
    const ns = await createNamespace('ss-v1');
    const cert = parseSealingCertificate(certPem);
    const v1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'legacy', namespace: ns, labels: { v: '1' } },
      type: 'Opaque',
      data: { token: Buffer.from('old-format').toString('base64') },
    };
    const blob = hybridEncryptNative(
      cert.publicKey,
      Buffer.from(JSON.stringify(v1Secret)),
      encryptionLabel({ scope: 'strict', namespace: ns, name: 'legacy' }),
    );
    await createSealedSecret({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'legacy', namespace: ns },
      spec: { encryptedData: {}, data: blob.toString('base64') },
    });
    const s = await waitForSecret(ns, 'legacy');
    expect(decoded(s)).to.deep.equal({ token: 'old-format' });
    expect(s.metadata.labels).to.include({ v: '1' });
  });
});
