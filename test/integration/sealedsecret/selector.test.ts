/**
 * `--label-selector` (Bitnami's flag): the controller unseals only the SealedSecrets the selector
 * matches, picks one up as soon as it gains the label, and refuses to start with a selector the
 * API server rejects.
 */
import { expect } from 'chai';
import type { ControllerProcess } from '../../harness/controller.js';
import { startController } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  admin,
  createNamespace,
  createSealedSecret,
  getSealedSecret,
  getSecret,
  installCRDs,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSynced,
} from './helpers.js';

const SHARD = 'tenantry.io/test-shard';

describe('SealedSecret controller: --label-selector', () => {
  let controller: ControllerProcess;
  let certPem: string;
  // Its own identity (all rights), so the audit log shows what this controller asked for.
  const user = uniqueName('ss-sel-controller');

  before(async () => {
    await installCRDs();
    const identity = getPlane().makeUser(user, ['system:masters']);
    controller = await startSealedSecretController(
      uniqueName('ss-sel'),
      [`--label-selector=${SHARD}=a`],
      { kubeconfigPath: identity.kubeconfigPath },
    );
    certPem = await waitForCert(controller);
  });
  after(async () => {
    await controller?.stop();
  });

  it('unseals only matching SealedSecrets, and one that gains the label', async () => {
    const ns = await createNamespace('ss-sel');
    const other = await sealDirect(certPem, { namespace: ns, name: 'other' }, { k: 'v2' });
    const mine = await sealDirect(certPem, { namespace: ns, name: 'mine' }, { k: 'v1' });
    (mine['metadata'] as { labels?: Record<string, string> }).labels = { [SHARD]: 'a' };
    await createSealedSecret(other);
    await createSealedSecret(mine);

    await waitForSynced(ns, 'mine', 'True');
    expect((await getSecret(ns, 'mine'))?.data?.['k']).to.equal(
      Buffer.from('v1').toString('base64'),
    );
    // The API server filtered: every LIST and WATCH of SealedSecrets carried the selector, so
    // the controller never received `other` and cannot act on it later.
    const reads = getPlane()
      .plane.auditEvents(user)
      .filter(
        (e) => e.objectRef?.resource === 'sealedsecrets' && ['list', 'watch'].includes(e.verb),
      );
    expect(reads.length).to.be.greaterThan(0);
    const selector = `labelSelector=${encodeURIComponent(`${SHARD}=a`)}`;
    expect(
      reads.filter((e) => !e.requestURI.includes(selector)).map((e) => e.requestURI),
    ).to.deep.equal([]);
    expect(
      await getSecret(ns, 'other'),
      'no Secret for a SealedSecret outside the selector',
    ).to.equal(undefined);
    expect((await getSealedSecret(ns, 'other'))?.status, 'and no status').to.equal(undefined);

    await admin().request({
      method: 'PATCH',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/other`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { [SHARD]: 'a' } } },
    });
    await waitForSynced(ns, 'other', 'True');
    expect((await getSecret(ns, 'other'))?.data?.['k']).to.equal(
      Buffer.from('v2').toString('base64'),
    );
  });

  it('keeps the Secret of a SealedSecret that loses the label', async () => {
    const ns = await createNamespace('ss-sel-drop');
    const labelled = async (name: string, value: string): Promise<void> => {
      const ss = await sealDirect(certPem, { namespace: ns, name }, { k: value });
      (ss['metadata'] as { labels?: Record<string, string> }).labels = { [SHARD]: 'a' };
      await createSealedSecret(ss);
      await waitForSynced(ns, name, 'True');
    };
    await labelled('kept', 'v');
    await admin().request({
      method: 'PATCH',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/kept`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { [SHARD]: null } } },
    });
    // A barrier instead of a sleep: the controller's one SealedSecret watch delivers `kept`
    // leaving the selection before `probe` arrives, so once `probe` is unsealed the controller
    // has seen the label go.
    await labelled('probe', 'p');
    expect((await getSecret(ns, 'kept'))?.data?.['k']).to.equal(
      Buffer.from('v').toString('base64'),
    );
    const writes = getPlane()
      .plane.auditEvents(user)
      .filter(
        (e) =>
          e.objectRef?.resource === 'secrets' &&
          e.objectRef.namespace === ns &&
          !['get', 'list', 'watch', 'create'].includes(e.verb),
      );
    expect(
      writes.map((e) => `${e.verb} ${e.requestURI}`),
      'no write after create',
    ).to.deep.equal([]);
  });

  it('refuses to start with a selector the API server rejects, naming the flag', async () => {
    const c = await startController(getPlane().plane, {
      namespace: uniqueName('ss-bad-sel'),
      args: ['--controllers=sealedsecret', '--key-size=2048', '--label-selector=a=b=c'],
    });
    const code = await c.exited;
    expect(code).to.not.equal(0);
    // The fatal log line is JSON, so the quotes around the selector are escaped.
    expect(c.logs()).to.match(/--label-selector \\"a=b=c\\" is invalid: found '='/);
  });
});
