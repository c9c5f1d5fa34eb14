/**
 * Sealing with `kubectl seal` and applying: the controller produces the Secret with the right
 * data, type, labels and ownerReference in every scope; scope violations, tampering and
 * deletion behave as Bitnami's (or better: the condition says why).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { tenantCRD } from '../../../crds/index.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  admin,
  createNamespace,
  createSealedSecret,
  decoded,
  eventsFor,
  getSealedSecret,
  getSecret,
  installCRDs,
  kubectlSeal,
  parseDoc,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
  type SealedSecretView,
} from './helpers.js';

describe('SealedSecret controller: unsealing', () => {
  let controller: ControllerProcess;
  let certFile: string;
  let certPem: string;

  before(async () => {
    await installCRDs();
    controller = await startSealedSecretController(uniqueName('ss-ctl'));
    certPem = await waitForCert(controller);
    certFile = join(mkdtempSync(join(tmpdir(), 'ss-cert-')), 'cert.pem');
    writeFileSync(certFile, certPem);
  });
  after(async () => {
    await controller?.stop();
  });

  function secretYaml(
    namespace: string,
    name: string,
    extra: Record<string, unknown> = {},
  ): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { app: 'web' } },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: 'admin', password: 's3cr3t' },
      ...extra,
    });
  }

  async function sealWithPlugin(
    yamlText: string,
    args: string[] = [],
  ): Promise<Record<string, unknown>> {
    return parseDoc(await kubectlSeal(['--cert', certFile, '-o', 'yaml', ...args], yamlText));
  }

  it('unseals a strict SealedSecret made by kubectl seal into a Secret with its data, type and labels', async () => {
    const ns = await createNamespace('ss-strict');
    const ss = await sealWithPlugin(secretYaml(ns, 'db'));
    const created = await createSealedSecret(ss);
    const secret = await waitForSecret(ns, 'db');
    expect(decoded(secret)).to.deep.equal({ username: 'admin', password: 's3cr3t' });
    expect(secret.type).to.equal('kubernetes.io/basic-auth');
    expect(secret.metadata.labels).to.include({ app: 'web' });
    expect(secret.metadata.ownerReferences).to.deep.equal([
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        name: 'db',
        uid: created.metadata.uid,
        controller: true,
      },
    ]);
    const synced = await waitForSynced(ns, 'db', 'True');
    expect(synced.reason).to.equal('Unsealed');
    const status = (await getSealedSecret(ns, 'db')).status;
    expect(status?.conditions?.map((c) => c.type)).to.deep.equal(['Synced', 'Ready']);
    expect(status?.conditions?.[1]?.status).to.equal('True');
    const events = await eventually('an Unsealed event', async () => {
      const e = await eventsFor(ns, 'db');
      return e.some((x) => x.reason === 'Unsealed') ? e : undefined;
    });
    expect(events.filter((e) => e.reason === 'Unsealed')).to.have.length(1);
  });

  it('unseals namespace-wide and cluster-wide SealedSecrets under another name', async () => {
    const ns = await createNamespace('ss-wide');
    const nsWide = await sealWithPlugin(secretYaml(ns, 'original'), ['--scope', 'namespace-wide']);
    (nsWide.metadata as { name: string }).name = 'renamed';
    await createSealedSecret(nsWide);
    const clusterWide = await sealWithPlugin(secretYaml('elsewhere', 'x'), [
      '--scope',
      'cluster-wide',
    ]);
    (clusterWide.metadata as { name: string; namespace: string }).name = 'anywhere';
    (clusterWide.metadata as { name: string; namespace: string }).namespace = ns;
    await createSealedSecret(clusterWide);
    expect(decoded(await waitForSecret(ns, 'renamed'))).to.deep.equal({
      username: 'admin',
      password: 's3cr3t',
    });
    expect(decoded(await waitForSecret(ns, 'anywhere')).username).to.equal('admin');
  });

  it('unseals a tenant-wide SealedSecret only in namespaces the tenant owns', async () => {
    const tenantName = uniqueName('acme');
    const tenant = await admin().request<{ metadata: { uid: string } }>({
      method: 'POST',
      path: `/apis/${tenantCRD.spec.group}/v1alpha1/tenants`,
      body: {
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: tenantName },
        spec: { owners: [{ kind: 'User', name: 'alice' }] },
      },
    });
    const ownerRef = {
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      name: tenantName,
      uid: tenant.metadata.uid,
    };
    const owned = await createNamespace('ss-tenant', {
      labels: { 'tenantry.io/tenant': tenantName },
      ownerReferences: [ownerRef],
    });
    const labelOnly = await createNamespace('ss-forged', {
      labels: { 'tenantry.io/tenant': tenantName },
    });
    const sealed = await sealWithPlugin(secretYaml(owned, 'shared'), [
      '--scope',
      'tenant-wide',
      '--tenant',
      tenantName,
    ]);
    await createSealedSecret(sealed);
    expect(decoded(await waitForSecret(owned, 'shared')).password).to.equal('s3cr3t');

    // The same blob in a namespace that only carries the label (no ownerReference): refused.
    const copy = structuredClone(sealed) as { metadata: { namespace: string } };
    copy.metadata.namespace = labelOnly;
    await createSealedSecret(copy);
    const c = await waitForSynced(labelOnly, 'shared', 'False');
    expect(c.reason).to.equal('ScopeNotSatisfied');
    expect(c.message).to.contain('has no ownerReference');
    expect(await getSecret(labelOnly, 'shared')).to.equal(undefined);

    // Membership granted later (ownerReference added): the Secret appears without touching the SealedSecret.
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${labelOnly}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { ownerReferences: [ownerRef] } },
    });
    expect(decoded(await waitForSecret(labelOnly, 'shared')).password).to.equal('s3cr3t');
  });

  it('refuses a strict blob copied into another namespace, and the condition says why', async () => {
    const [a, b] = [await createNamespace('ss-a'), await createNamespace('ss-b')];
    const ss = await sealDirect(certPem, { namespace: a, name: 'token' }, { token: 'abc' });
    const copy = structuredClone(ss) as { metadata: { namespace: string } };
    copy.metadata.namespace = b;
    await createSealedSecret(copy);
    const c = await waitForSynced(b, 'token', 'False');
    expect(c.reason).to.equal('UnsealFailed');
    expect(c.message).to.match(
      /no key could decrypt item "token".*strict scope of .*\/token.*another namespace, name or scope/,
    );
    expect(await getSecret(b, 'token')).to.equal(undefined);
    const events = await eventsFor(b, 'token');
    expect(events.some((e) => e.type === 'Warning' && e.reason === 'ErrUnsealFailed')).to.equal(
      true,
    );
  });

  it('reports tampered ciphertext without crashing and creates no partial Secret', async () => {
    const ns = await createNamespace('ss-tamper');
    const ss = await sealDirect(
      certPem,
      { namespace: ns, name: 'tampered' },
      { a: 'one', b: 'two' },
    );
    const enc = (ss.spec as { encryptedData: Record<string, string> }).encryptedData;
    const raw = Buffer.from(enc.b!, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1; // flip a bit of the GCM tag
    enc.b = raw.toString('base64');
    await createSealedSecret(ss);
    const c = await waitForSynced(ns, 'tampered', 'False');
    expect(c.reason).to.equal('Tampered');
    expect(c.message).to.contain('item "b" was modified');
    expect(await getSecret(ns, 'tampered')).to.equal(undefined);

    const truncated = await sealDirect(certPem, { namespace: ns, name: 'short' }, { a: 'one' });
    (truncated.spec as { encryptedData: Record<string, string> }).encryptedData.a = 'AQA=';
    await createSealedSecret(truncated);
    expect((await waitForSynced(ns, 'short', 'False')).message).to.contain('too short');
    expect((await controller.get('/healthz')).status).to.equal(200);
  });

  it('applies spec.template: labels, annotations, type, immutable and templated data', async () => {
    const ns = await createNamespace('ss-tpl');
    const ss = await sealDirect(
      certPem,
      { namespace: ns, name: 'conn' },
      { user: 'u', 'pass-word': 'p' },
      {
        metadata: { labels: { tier: 'db' }, annotations: { note: 'hi' } },
        type: 'Opaque',
        immutable: true,
        data: { url: 'postgres://{{ .user }}:{{ index . "pass-word" }}@db/app', plain: 'literal' },
      },
    );
    await createSealedSecret(ss);
    const s = await waitForSecret(ns, 'conn');
    expect(decoded(s)).to.deep.equal({
      user: 'u',
      'pass-word': 'p',
      url: 'postgres://u:p@db/app',
      plain: 'literal',
    });
    expect(s.metadata.labels).to.include({ tier: 'db' });
    expect(s.metadata.annotations).to.include({ note: 'hi' });
    expect(s.immutable).to.equal(true);

    const bad = await sealDirect(
      certPem,
      { namespace: ns, name: 'badtpl' },
      { user: 'u' },
      {
        data: { x: '{{ env "HOME" }}' },
      },
    );
    await createSealedSecret(bad);
    const c = await waitForSynced(ns, 'badtpl', 'False');
    expect(c.reason).to.equal('TemplateError');
    expect(c.message).to.contain('unsupported template action');
  });

  it("rejects spec.data together with encryptedData with Bitnami's message", async () => {
    const ns = await createNamespace('ss-v1');
    const ss = await sealDirect(certPem, { namespace: ns, name: 'both' }, { a: 'b' });
    (ss.spec as { data?: string }).data = 'AQA=';
    await createSealedSecret(ss);
    const c = await waitForSynced(ns, 'both', 'False');
    expect(c.message).to.equal(
      "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
    );
  });

  it('garbage-collects the Secret when the SealedSecret is deleted', async () => {
    const ns = await createNamespace('ss-gc');
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'gone' }, { k: 'v' }),
    );
    await waitForSecret(ns, 'gone');
    await admin().request({
      method: 'DELETE',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/gone`,
    });
    await eventually('the Secret to be garbage-collected', async () =>
      (await getSecret(ns, 'gone')) === undefined ? true : undefined,
    );
  });

  it("leaves kubectl apply's field ownership alone when it writes the status", async () => {
    const ns = await createNamespace('ss-owners');
    const ss = await sealDirect(certPem, { namespace: ns, name: 'applied' }, { k: 'v' });
    const file = join(mkdtempSync(join(tmpdir(), 'ss-apply-')), 'ss.yaml');
    writeFileSync(file, stringify(ss));
    const { binaries } = getPlane().plane;
    // Client-side apply: the last-applied annotation, owned by kubectl-client-side-apply.
    await promisify(execFile)(binaries.kubectl, [
      '--kubeconfig',
      getPlane().kubeconfigPath,
      'apply',
      '-f',
      file,
    ]);
    await waitForSynced(ns, 'applied', 'True');
    const stored = await admin().request<{
      metadata: { managedFields?: { manager?: string; fieldsV1?: unknown }[] };
    }>({
      method: 'GET',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/applied`,
    });
    const kubectlFields = JSON.stringify(
      stored.metadata.managedFields?.find((m) => m.manager === 'kubectl-client-side-apply')
        ?.fieldsV1,
    );
    // The status PUT sends the cached object back; the cache must have kept the annotation.
    expect(kubectlFields).to.include('kubectl.kubernetes.io/last-applied-configuration');
    expect(kubectlFields).to.include('f:encryptedData');
  });

  it('writes status once: a second look changes nothing', async () => {
    const ns = await createNamespace('ss-steady');
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'steady' }, { k: 'v' }),
    );
    await waitForSynced(ns, 'steady', 'True');
    const before: SealedSecretView = await getSealedSecret(ns, 'steady');
    const secretBefore = await getSecret(ns, 'steady');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await getSealedSecret(ns, 'steady')).metadata.resourceVersion).to.equal(
      before.metadata.resourceVersion,
    );
    expect((await getSecret(ns, 'steady'))?.metadata.resourceVersion).to.equal(
      secretBefore?.metadata.resourceVersion,
    );
  });
});
