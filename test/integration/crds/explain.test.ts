/**
 * `kubectl explain` shows the schema descriptions, which are the user documentation of the API.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { installCRDs } from '../../harness/crds.js';
import { getPlane } from '../../harness/shared.js';
import { eventually } from '../../helpers/names.js';

function explain(field: string): string {
  const { plane } = getPlane();
  return execFileSync(plane.binaries.kubectl, ['explain', field], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: plane.kubeconfigPath },
  });
}

describe('kubectl explain on tenantry CRDs', () => {
  before(async () => {
    await installCRDs(getPlane().kubeConfig(), getPlane().plane);
    // The OpenAPI v3 document that explain reads is published a little after Established.
    await eventually('the CRD schemas in OpenAPI v3', async () => {
      try {
        return explain('tenant.spec') && explain('sealedsecret.spec');
      } catch {
        return undefined;
      }
    });
  });

  it('documents the Tenant spec and its fields', () => {
    const spec = explain('tenant.spec');
    expect(spec).to.contain('GROUP:      tenantry.io');
    for (const field of [
      'owners',
      'namespaceOptions',
      'resourceQuotas',
      'deletionPolicy',
      'cordoned',
    ]) {
      expect(spec, field).to.match(new RegExp(`^\\s+${field}\\s`, 'm'));
    }
    const quotas = explain('tenant.spec.resourceQuotas.scope');
    expect(quotas)
      .to.match(/Tenant/)
      .and.to.match(/Namespace/);
  });

  it('documents the SealedSecret spec', () => {
    expect(explain('sealedsecret.spec')).to.contain('encryptedData');
  });
});
