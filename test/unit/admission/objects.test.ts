/** The allow-list hook as a table, plus the image and hostname matchers. */
import { expect } from 'chai';
import {
  hostAllowed,
  imageRepository,
  registryAllowed,
  validateObject,
} from '../../../controller/admission/objects.js';
import type { AdmissionRequest } from '../../../controller/admission/types.js';
import type { KubeObject } from '../../../controller/runtime/index.js';
import { request, state, users } from './fixtures.js';

const R = {
  pods: { group: '', version: 'v1', resource: 'pods', kind: 'Pod' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob' },
  services: { group: '', version: 'v1', resource: 'services', kind: 'Service' },
  ingresses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress' },
  pvcs: {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
  },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet' },
};

function req(
  r: (typeof R)[keyof typeof R],
  object: object,
  opts: { namespace?: string; old?: object; user?: AdmissionRequest['userInfo'] } = {},
): AdmissionRequest {
  return {
    ...request({
      operation: opts.old ? 'UPDATE' : 'CREATE',
      userInfo: opts.user ?? users.alice,
      object: object as KubeObject,
      ...(opts.old ? { oldObject: opts.old as KubeObject } : {}),
    }),
    kind: { group: r.group, version: r.version, kind: r.kind },
    resource: { group: r.group, version: r.version, resource: r.resource },
    namespace: opts.namespace ?? 'acme-dev',
    name: 'x',
  };
}

const podSpec = (...images: string[]): object => ({
  containers: images.map((image, i) => ({ name: `c${i}`, image })),
});
const ingress = (
  cls: string | undefined,
  hosts: (string | undefined)[],
  tls: string[] = [],
): object => ({
  metadata: { name: 'x' },
  spec: {
    ...(cls ? { ingressClassName: cls } : {}),
    rules: hosts.map((host) => (host ? { host } : {})),
    ...(tls.length ? { tls: [{ hosts: tls }] } : {}),
  },
});
const pvc = (cls?: string): object => ({
  metadata: { name: 'x' },
  spec: cls !== undefined ? { storageClassName: cls } : {},
});

describe('admission: objects in tenant namespaces (allow-lists)', () => {
  const cases: { name: string; req: AdmissionRequest; denied?: RegExp }[] = [
    {
      name: 'ok: image from an allowed registry path',
      req: req(R.pods, { spec: podSpec('ghcr.io/acme/app:1') }),
    },
    {
      name: 'ok: image from an allowed registry with a port and a digest',
      req: req(R.pods, { spec: podSpec(`registry.example.com:5000/x@sha256:${'a'.repeat(64)}`) }),
    },
    {
      name: 'ok: namespace outside every tenant',
      req: req(R.pods, { spec: podSpec('nginx') }, { namespace: 'default' }),
    },
    {
      name: 'ok: administrator',
      req: req(R.pods, { spec: podSpec('nginx') }, { user: users.admin }),
    },
    {
      name: 'ok: Kubernetes component (ReplicaSet controller creating Pods)',
      req: req(
        R.pods,
        { spec: podSpec('nginx') },
        { user: { username: 'system:serviceaccount:kube-system:replicaset-controller' } },
      ),
    },
    {
      name: 'ok: UPDATE keeping an image that predates the allow-list',
      req: req(
        R.pods,
        { metadata: { labels: { a: 'b' } }, spec: podSpec('nginx') },
        { old: { spec: podSpec('nginx') } },
      ),
    },
    {
      name: 'ok: another tenant without allow-lists',
      req: req(R.pods, { spec: podSpec('nginx') }, { namespace: 'beta-prod', user: users.bob }),
    },
    {
      name: 'denied: Docker Hub image',
      req: req(R.pods, { spec: podSpec('nginx:1.27') }),
      denied: /image nginx:1\.27 is not from a registry allowed in tenant acme/,
    },
    {
      name: 'denied: look-alike path prefix',
      req: req(R.pods, { spec: podSpec('ghcr.io/acme-evil/x') }),
      denied: /not from a registry allowed/,
    },
    {
      name: 'denied: init container',
      req: req(R.pods, {
        spec: {
          ...podSpec('ghcr.io/acme/a'),
          initContainers: [{ name: 'i', image: 'quay.io/x/y' }],
        },
      }),
      denied: /quay\.io\/x\/y/,
    },
    {
      name: 'denied: Deployment template',
      req: req(R.deployments, {
        spec: { template: { spec: podSpec('docker.io/library/busybox') } },
      }),
      denied: /Deployment x in namespace acme-dev: image docker\.io\/library\/busybox/,
    },
    {
      name: 'denied: CronJob job template',
      req: req(R.cronjobs, {
        spec: { jobTemplate: { spec: { template: { spec: podSpec('busybox') } } } },
      }),
      denied: /image busybox/,
    },
    {
      name: 'ok: ClusterIP and ExternalName (allowed) Services',
      req: req(R.services, { spec: { type: 'ExternalName' } }),
    },
    {
      name: 'denied: NodePort',
      req: req(R.services, { spec: { type: 'NodePort' } }),
      denied: /Services of type NodePort are not allowed in tenant acme/,
    },
    {
      name: 'denied: LoadBalancer',
      req: req(R.services, { spec: { type: 'LoadBalancer' } }),
      denied: /LoadBalancer/,
    },
    {
      name: 'ok: Service UPDATE keeping its type',
      req: req(R.services, { spec: { type: 'NodePort' } }, { old: { spec: { type: 'NodePort' } } }),
    },
    {
      name: 'ok: Ingress with allowed class and hosts',
      req: req(R.ingresses, ingress('nginx', ['acme.example.com', 'a.apps.acme.example.com'])),
    },
    {
      name: 'ok: wildcard host under an allowed wildcard',
      req: req(R.ingresses, ingress('nginx', ['*.x.apps.acme.example.com'])),
    },
    {
      name: 'denied: class not allowed',
      req: req(R.ingresses, ingress('internal', ['acme.example.com'])),
      denied: /IngressClass internal is not allowed in tenant acme \(allowed: nginx\)/,
    },
    {
      name: 'denied: no class',
      req: req(R.ingresses, ingress(undefined, ['acme.example.com'])),
      denied: /without an IngressClass/,
    },
    {
      name: 'denied: host not allowed',
      req: req(R.ingresses, ingress('nginx', ['evil.com'])),
      denied: /host evil\.com is not allowed/,
    },
    {
      name: 'denied: the bare suffix of a wildcard',
      req: req(R.ingresses, ingress('nginx', ['apps.acme.example.com'])),
      denied: /host apps\.acme\.example\.com/,
    },
    {
      name: 'denied: rule without host',
      req: req(R.ingresses, ingress('nginx', [undefined])),
      denied: /without a host matches every hostname/,
    },
    {
      name: 'denied: TLS host',
      req: req(R.ingresses, ingress('nginx', ['acme.example.com'], ['bank.com'])),
      denied: /host bank\.com/,
    },
    { name: 'ok: PVC of an allowed class', req: req(R.pvcs, pvc('standard')) },
    {
      name: 'denied: PVC of another class',
      req: req(R.pvcs, pvc('fast')),
      denied: /StorageClass fast is not allowed/,
    },
    {
      name: 'denied: PVC without class',
      req: req(R.pvcs, pvc()),
      denied: /without a StorageClass/,
    },
    {
      name: 'denied: PVC with the empty class',
      req: req(R.pvcs, pvc('')),
      denied: /StorageClass "" is not allowed/,
    },
    {
      name: 'denied: StatefulSet claim template',
      req: req(R.statefulsets, {
        spec: {
          template: { spec: podSpec('ghcr.io/acme/db') },
          volumeClaimTemplates: [pvc('premium')],
        },
      }),
      denied: /StorageClass premium/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = validateObject(c.req, state());
      if (c.denied) {
        expect(v.allowed).to.equal(false);
        expect(!v.allowed && v.message).to.match(c.denied);
      } else {
        expect(v, !v.allowed ? v.message : '').to.deep.equal({ allowed: true });
      }
    });
  }

  it('normalises image references to their repository', () => {
    expect(imageRepository('nginx')).to.equal('docker.io/library/nginx');
    expect(imageRepository('nginx:1.27')).to.equal('docker.io/library/nginx');
    expect(imageRepository('bitnami/redis:7')).to.equal('docker.io/bitnami/redis');
    expect(imageRepository('localhost/x')).to.equal('localhost/x');
    expect(imageRepository('registry:5000/team/app:1')).to.equal('registry:5000/team/app');
    expect(imageRepository(`ghcr.io/a/b@sha256:${'0'.repeat(64)}`)).to.equal('ghcr.io/a/b');
    expect(registryAllowed('nginx', ['docker.io'])).to.equal(true);
    expect(registryAllowed('ghcr.io/acme', ['ghcr.io/acme'])).to.equal(true);
  });

  it('matches hostnames exactly or by *.suffix (never the bare suffix)', () => {
    expect(hostAllowed('a.example.com', ['*.example.com'])).to.equal(true);
    expect(hostAllowed('example.com', ['*.example.com'])).to.equal(false);
    expect(hostAllowed('aexample.com', ['*.example.com'])).to.equal(false);
    expect(hostAllowed('*.example.com', ['*.example.com'])).to.equal(true);
    expect(hostAllowed('x.example.com', ['example.com'])).to.equal(false);
  });
});
