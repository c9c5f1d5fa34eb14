/**
 * Drift repair and existing Secrets: an edited produced Secret is restored and a deleted one
 * recreated; a Secret the controller does not own is left alone unless it carries Bitnami's
 * `managed` (take over) or `patch` (merge) annotation.
 */
import { expect } from 'chai';
import type { ControllerProcess } from '../../harness/controller.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  admin,
  create,
  createNamespace,
  createSealedSecret,
  decoded,
  eventsFor,
  getSecret,
  installCRDs,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
} from './helpers.js';

describe('SealedSecret controller: drift and existing Secrets', () => {
  let controller: ControllerProcess;
  let certPem: string;

  before(async () => {
    await installCRDs();
    controller = await startSealedSecretController(uniqueName('ss-ctl'));
    certPem = await waitForCert(controller);
  });
  after(async () => {
    await controller?.stop();
  });

  async function patchSecret(ns: string, name: string, body: unknown): Promise<void> {
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/secrets/${name}`,
      contentType: 'application/merge-patch+json',
      body,
    });
  }

  it('restores an edited Secret and recreates a deleted one', async () => {
    const ns = await createNamespace('ss-drift');
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'app' }, { password: 'right' }),
    );
    await waitForSecret(ns, 'app');
    await patchSecret(ns, 'app', {
      data: { password: Buffer.from('wrong').toString('base64'), extra: 'eA==' },
    });
    const restored = await waitForSecret(ns, 'app', (s) => decoded(s).password === 'right');
    expect(decoded(restored)).to.deep.equal({ password: 'right' });

    // Someone strips the controller's label (the informer selects on it): still repaired.
    await patchSecret(ns, 'app', { metadata: { labels: { 'tenantry.io/unsealed': null } } });
    await waitForSecret(ns, 'app', (s) => s.metadata.labels?.['tenantry.io/unsealed'] === 'true');

    await admin().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/secrets/app` });
    const recreated = await waitForSecret(ns, 'app');
    expect(decoded(recreated)).to.deep.equal({ password: 'right' });
  });

  it('leaves an unowned Secret alone, with a Warning and Synced=False', async () => {
    const ns = await createNamespace('ss-unowned');
    const original = await create<{ metadata: { resourceVersion: string } }>(
      `/api/v1/namespaces/${ns}/secrets`,
      { metadata: { name: 'taken' }, stringData: { mine: 'yes' } },
    );
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'taken' }, { k: 'v' }),
    );
    const c = await waitForSynced(ns, 'taken', 'False');
    expect(c.reason).to.equal('UnmanagedSecret');
    expect(c.message).to.equal(
      'Resource "taken" already exists and is not managed by SealedSecret',
    );
    const events = await eventsFor(ns, 'taken');
    expect(events.filter((e) => e.reason === 'ErrUpdateFailed')).to.have.length(1);
    const after = await getSecret(ns, 'taken');
    expect(after?.metadata.resourceVersion).to.equal(original.metadata.resourceVersion);
    expect(decoded(after)).to.deep.equal({ mine: 'yes' });

    // Annotated managed: taken over (data replaced, ownerReference set).
    await patchSecret(ns, 'taken', {
      metadata: { annotations: { 'sealedsecrets.bitnami.com/managed': 'true' } },
    });
    const taken = await waitForSecret(ns, 'taken', (s) => decoded(s).k === 'v', 30_000);
    expect(decoded(taken)).to.deep.equal({ k: 'v' });
    expect(taken.metadata.ownerReferences?.[0]?.kind).to.equal('SealedSecret');
    await waitForSynced(ns, 'taken', 'True');
  });

  it('merges into a Secret annotated patch, keeping its other keys', async () => {
    const ns = await createNamespace('ss-patch');
    await create(`/api/v1/namespaces/${ns}/secrets`, {
      metadata: {
        name: 'merged',
        annotations: { 'sealedsecrets.bitnami.com/patch': 'true' },
        labels: { own: 'x' },
      },
      stringData: { keep: 'me', k: 'old' },
    });
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'merged' }, { k: 'new' }),
    );
    const s = await waitForSecret(ns, 'merged', (x) => decoded(x).k === 'new');
    expect(decoded(s)).to.deep.equal({ keep: 'me', k: 'new' });
    expect(s.metadata.labels).to.include({ own: 'x' });
    expect(s.metadata.ownerReferences ?? []).to.deep.equal([]);
    await waitForSynced(ns, 'merged', 'True');
    // The merged key drifts: repaired, the foreign key still kept.
    await patchSecret(ns, 'merged', { data: { k: Buffer.from('tampered').toString('base64') } });
    await waitForSecret(ns, 'merged', (x) => decoded(x).k === 'new' && decoded(x).keep === 'me');
  });

  it('with skip-set-owner-references, sets no ownerReference and keeps the Secret after deletion', async () => {
    const ns = await createNamespace('ss-skip');
    const annotations = { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' };
    await createSealedSecret(
      await sealDirect(
        certPem,
        { namespace: ns, name: 'kept' },
        { k: 'v' },
        { metadata: { annotations } },
      ),
    );
    const s = await waitForSecret(ns, 'kept');
    expect(s.metadata.ownerReferences ?? []).to.deep.equal([]);
    await waitForSynced(ns, 'kept', 'True');
    await admin().request({
      method: 'DELETE',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/kept`,
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(decoded(await getSecret(ns, 'kept'))).to.deep.equal({ k: 'v' });
  });

  it('re-unseals when the SealedSecret changes', async () => {
    const ns = await createNamespace('ss-update');
    await createSealedSecret(
      await sealDirect(certPem, { namespace: ns, name: 'rot' }, { pw: 'one' }),
    );
    await waitForSecret(ns, 'rot');
    const next = await sealDirect(
      certPem,
      { namespace: ns, name: 'rot' },
      { pw: 'two', more: 'x' },
    );
    await admin().request({
      method: 'PATCH',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/rot`,
      contentType: 'application/merge-patch+json',
      body: { spec: next.spec },
    });
    const s = await waitForSecret(ns, 'rot', (x) => decoded(x).pw === 'two');
    expect(decoded(s)).to.deep.equal({ pw: 'two', more: 'x' });
    await eventually('observedGeneration 2', async () => {
      const c = await waitForSynced(ns, 'rot', 'True');
      return c;
    });
  });
});
