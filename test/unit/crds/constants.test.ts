import { expect } from 'chai';
import * as api from '../../../crds/index.js';

describe('crds/constants', () => {
  it('pins the API strings other components and existing clusters rely on', () => {
    expect({
      GROUP: api.GROUP,
      VERSION: api.VERSION,
      TENANT_API_VERSION: api.TENANT_API_VERSION,
      SEALED_SECRET_API_VERSION: api.SEALED_SECRET_API_VERSION,
      LABEL_TENANT: api.LABEL_TENANT,
      LABEL_MANAGED_BY: api.LABEL_MANAGED_BY,
      MANAGED_BY_VALUE: api.MANAGED_BY_VALUE,
      LABEL_PROPAGATED_FROM: api.LABEL_PROPAGATED_FROM,
      LABEL_CORDONED: api.LABEL_CORDONED,
      LABEL_SEALED_SECRETS_KEY: api.LABEL_SEALED_SECRETS_KEY,
      FINALIZER: api.FINALIZER,
      ANNOTATION_TENANT_WIDE: api.ANNOTATION_TENANT_WIDE,
      ANNOTATION_TENANT: api.ANNOTATION_TENANT,
      ANNOTATION_CLUSTER_WIDE: api.ANNOTATION_CLUSTER_WIDE,
      ANNOTATION_NAMESPACE_WIDE: api.ANNOTATION_NAMESPACE_WIDE,
      ANNOTATION_MANAGED: api.ANNOTATION_MANAGED,
      ANNOTATION_PATCH: api.ANNOTATION_PATCH,
      ANNOTATION_SKIP_SET_OWNER_REFERENCES: api.ANNOTATION_SKIP_SET_OWNER_REFERENCES,
      FIELD_MANAGER_TENANT: api.FIELD_MANAGER_TENANT,
      FIELD_MANAGER_SEALED_SECRET: api.FIELD_MANAGER_SEALED_SECRET,
      FIELD_MANAGER_ADMISSION: api.FIELD_MANAGER_ADMISSION,
    }).to.deep.equal({
      GROUP: 'tenantry.io',
      VERSION: 'v1alpha1',
      TENANT_API_VERSION: 'tenantry.io/v1alpha1',
      SEALED_SECRET_API_VERSION: 'bitnami.com/v1alpha1',
      LABEL_TENANT: 'tenantry.io/tenant',
      LABEL_MANAGED_BY: 'app.kubernetes.io/managed-by',
      MANAGED_BY_VALUE: 'tenantry',
      LABEL_PROPAGATED_FROM: 'tenantry.io/propagated-from',
      LABEL_CORDONED: 'tenantry.io/cordoned',
      LABEL_SEALED_SECRETS_KEY: 'sealedsecrets.bitnami.com/sealed-secrets-key',
      FINALIZER: 'tenantry.io/finalizer',
      ANNOTATION_TENANT_WIDE: 'tenantry.io/tenant-wide',
      ANNOTATION_TENANT: 'tenantry.io/tenant',
      ANNOTATION_CLUSTER_WIDE: 'sealedsecrets.bitnami.com/cluster-wide',
      ANNOTATION_NAMESPACE_WIDE: 'sealedsecrets.bitnami.com/namespace-wide',
      ANNOTATION_MANAGED: 'sealedsecrets.bitnami.com/managed',
      ANNOTATION_PATCH: 'sealedsecrets.bitnami.com/patch',
      ANNOTATION_SKIP_SET_OWNER_REFERENCES: 'sealedsecrets.bitnami.com/skip-set-owner-references',
      FIELD_MANAGER_TENANT: 'tenantry-tenant-controller',
      FIELD_MANAGER_SEALED_SECRET: 'tenantry-sealedsecret-controller',
      FIELD_MANAGER_ADMISSION: 'tenantry-admission',
    });
  });

  it('names one propagated-from value per Tenant spec list', () => {
    expect(Object.values(api.PropagatedFrom)).to.deep.equal([
      'resourcequota',
      'limitrange',
      'networkpolicy',
      'rolebinding',
    ]);
  });

  it('builds the tenant-wide OAEP label', () => {
    expect(api.tenantOaepLabel('acme')).to.equal('tenant:acme');
  });
});
