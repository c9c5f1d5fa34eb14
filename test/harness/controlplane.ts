/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, the admission
 * plugins of a real cluster, an audit log) and kube-controller-manager (namespace deletion,
 * garbage collection, service accounts and tokens, ResourceQuota, ClusterRole aggregation).
 * No kubelet and no scheduler: pods are admitted but never run.
 *
 * Flags follow controller-runtime's envtest; see docs/control-plane.md.
 */
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureBinaries, type Binaries } from './binaries.js';
import { TestHost } from './netns.js';
import {
  createCA,
  serviceAccountKeys,
  type CertificateAuthority,
  type CertKeyPair,
} from './pki.js';
import {
  logTail,
  onExit,
  startComponent,
  startWatchdog,
  stopComponent,
  type Component,
} from './processes.js';

/** Options for {@link ControlPlane.start}. */
export interface ControlPlaneOptions {
  /** Binaries to run; found or built by {@link ensureBinaries} when absent. */
  binaries?: Binaries;
  /** Progress lines (start, ready, stop). */
  log?: (line: string) => void;
  /** Keep the working directory after stop (for the demo's --keep). */
  keepDir?: boolean;
}

/** A user of the plane with a client certificate (CN = name, O = groups) and a kubeconfig. */
export interface Identity {
  name: string;
  groups: string[];
  kubeconfigPath: string;
  kubeConfig(): KubeConfig;
}

/** One line of the API server's audit log (Metadata level). */
export interface AuditEvent {
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number };
  requestURI: string;
  stageTimestamp: string;
}

const ADMIN_USER = 'tenantry-admin';
const KCM_CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'resourcequota-controller',
  'clusterrole-aggregation-controller',
  // Publishes kube-root-ca.crt into every namespace, as on real clusters.
  'root-ca-certificate-publisher-controller',
  // Type-checks ValidatingAdmissionPolicies and reports problems in their status.
  'validatingadmissionpolicy-status-controller',
];

/** Ports this process has handed out: each is free when picked but bound only later, by a child. */
const handedOut = new Set<number>();

/**
 * Picks a free TCP port on 127.0.0.1 that this process has not handed out before. The kernel may
 * offer a port again as soon as the probe closes it, and etcd's client and peer ports (or a
 * controller's two listeners) are picked back to back before either is bound, so without the
 * check two of them could get the same port and one process would fail to start.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probeFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probeFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

/** The local control plane. Start with {@link ControlPlane.start}; always {@link ControlPlane.stop}. */
export class ControlPlane {
  /** The admin kubeconfig (system:masters). */
  readonly kubeconfigPath: string;
  readonly auditLogPath: string;
  private readonly components: Component[] = [];
  /** The network namespace behind {@link ControlPlane.exposeLocalService}, created on first use. */
  private testHost: TestHost | undefined;
  private watchdog?: ReturnType<typeof startWatchdog>;
  private stopped = false;
  private userCount = 0;

  private constructor(
    readonly dir: string,
    readonly server: string,
    readonly binaries: Binaries,
    private readonly ca: CertificateAuthority,
    private readonly options: ControlPlaneOptions,
  ) {
    this.kubeconfigPath = join(dir, 'admin.kubeconfig');
    this.auditLogPath = join(dir, 'audit.log');
  }

  /** Starts etcd, kube-apiserver and kube-controller-manager and waits until they are ready. */
  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const log = options.log ?? (() => undefined);
    const binaries = options.binaries ?? (await ensureBinaries(log));
    const dir = mkdtempSync(join(tmpdir(), 'tenantry-plane-'));
    const apiPort = await freePort();
    const plane = new ControlPlane(
      dir,
      `https://127.0.0.1:${apiPort}`,
      binaries,
      createCA(),
      options,
    );
    try {
      const started = Date.now();
      await plane.startEtcd();
      await plane.startApiServer(apiPort);
      await plane.startControllerManager();
      plane.watchdog = startWatchdog(
        options.keepDir ? '' : dir,
        plane.components.map((c) => c.child.pid ?? 0).filter((p) => p > 0),
      );
      log(
        `tenantry: control plane ready at ${plane.server} in ${Date.now() - started} ms (kubeconfig ${plane.kubeconfigPath})`,
      );
      return plane;
    } catch (err) {
      await plane.stop();
      throw err;
    }
  }

  private async startEtcd(): Promise<void> {
    const [client, peer] = [await freePort(), await freePort()];
    const dataDir = join(this.dir, 'etcd');
    mkdirSync(dataDir);
    const etcd = startComponent(
      'etcd',
      this.binaries.etcd,
      [
        '--name=default',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      join(this.dir, 'etcd.log'),
    );
    this.components.push(etcd);
    this.etcdUrl = `http://127.0.0.1:${client}`;
    await this.waitHealthy(etcd, 'etcd /health', () => httpGet(`${this.etcdUrl}/health`));
  }

  /** etcd's client URL (for forcing compaction in watch tests). */
  etcdUrl = '';

  private writePki(): { serving: CertKeyPair; admin: CertKeyPair; kcm: CertKeyPair } {
    const pki = join(this.dir, 'pki');
    mkdirSync(pki);
    const serving = this.ca.sign({
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
    });
    const admin = this.ca.sign({
      commonName: ADMIN_USER,
      organizations: ['system:masters'],
      usage: 'client',
    });
    const kcm = this.ca.sign({ commonName: 'system:kube-controller-manager', usage: 'client' });
    const sa = serviceAccountKeys();
    const files: Record<string, string> = {
      'ca.crt': this.ca.certPem,
      'ca.key': this.ca.keyPem,
      'apiserver.crt': serving.certPem,
      'apiserver.key': serving.keyPem,
      'sa.pub': sa.publicPem,
      'sa.key': sa.privatePem,
    };
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(pki, name), text, { mode: 0o600 });
    writeFileSync(
      join(pki, 'audit-policy.yaml'),
      stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Policy',
        omitStages: ['RequestReceived'],
        rules: [
          { level: 'None', nonResourceURLs: ['/healthz*', '/readyz*', '/livez*', '/version'] },
          { level: 'Metadata' },
        ],
      }),
    );
    return { serving, admin, kcm };
  }

  private async startApiServer(port: number): Promise<void> {
    const { admin, kcm } = this.writePki();
    const pki = join(this.dir, 'pki');
    const api = startComponent(
      'kube-apiserver',
      this.binaries.kubeApiserver,
      [
        `--etcd-servers=${this.etcdUrl}`,
        `--cert-dir=${pki}`,
        `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
        `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
        `--client-ca-file=${join(pki, 'ca.crt')}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota,DefaultStorageClass,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
        '--endpoint-reconciler-type=none',
        `--audit-policy-file=${join(pki, 'audit-policy.yaml')}`,
        `--audit-log-path=${this.auditLogPath}`,
        '--audit-log-maxsize=0',
        '--v=1',
      ],
      join(this.dir, 'kube-apiserver.log'),
    );
    this.components.push(api);
    this.writeKubeconfig(this.kubeconfigPath, ADMIN_USER, admin);
    this.writeKubeconfig(join(this.dir, 'kcm.kubeconfig'), 'kube-controller-manager', kcm);
    await this.waitHealthy(api, 'kube-apiserver /readyz', async () => {
      const r = await this.adminGet('/readyz');
      return r.status === 200 ? true : undefined;
    });
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    await until(
      'the default namespace',
      30_000,
      async () => (await core.readNamespace({ name: 'default' })) && true,
    );
  }

  private async startControllerManager(): Promise<void> {
    const pki = join(this.dir, 'pki');
    const kcm = startComponent(
      'kube-controller-manager',
      this.binaries.kubeControllerManager,
      [
        `--kubeconfig=${join(this.dir, 'kcm.kubeconfig')}`,
        `--controllers=${KCM_CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        `--root-ca-file=${join(pki, 'ca.crt')}`,
        // Each controller acts as its own service account, as on real clusters: the garbage
        // collector is then `system:serviceaccount:kube-system:generic-garbage-collector`.
        '--use-service-account-credentials=true',
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        // Short resync so quota usage converges quickly in tests.
        '--resource-quota-sync-period=10s',
        '--v=1',
      ],
      join(this.dir, 'kube-controller-manager.log'),
    );
    this.components.push(kcm);
    const kc = this.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await this.waitHealthy(kcm, 'the default ServiceAccount (kube-controller-manager)', async () =>
      (await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }))
        ? true
        : undefined,
    );
    await this.waitHealthy(kcm, 'the aggregated admin ClusterRole', async () => {
      const role = await rbac.readClusterRole({ name: 'admin' });
      return (role.rules?.length ?? 0) > 0 ? true : undefined;
    });
  }

  private async waitHealthy(
    c: Component,
    what: string,
    probe: () => Promise<unknown>,
  ): Promise<void> {
    let exited = false;
    void c.exited.then(() => (exited = true));
    try {
      await until(what, 60_000, async () => {
        if (exited) throw new Error(`${c.name} exited`);
        return (await probe()) ? true : undefined;
      });
    } catch (err) {
      throw new Error(
        `${c.name} did not become ready: ${(err as Error).message}\n--- ${c.logFile} ---\n${logTail(c)}`,
      );
    }
  }

  private adminGet(path: string): Promise<{ status: number; body: string }> {
    const pki = join(this.dir, 'pki');
    return new Promise((resolve, reject) => {
      const req = https.get(
        `${this.server}${path}`,
        {
          ca: readFileSync(join(pki, 'ca.crt')),
          cert: this.adminCert?.certPem,
          key: this.adminCert?.keyPem,
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });
  }

  private adminCert?: CertKeyPair;

  private writeKubeconfig(path: string, user: string, pair: CertKeyPair): void {
    if (user === ADMIN_USER) this.adminCert = pair;
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    // Distinct cluster/user/context names per identity: client-node caches credentials by
    // kubeconfig user name across configs (kubernetes-client/javascript#592).
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'tenantry-local',
          cluster: { server: this.server, 'certificate-authority-data': b64(this.ca.certPem) },
        },
      ],
      users: [
        {
          name: user,
          user: {
            'client-certificate-data': b64(pair.certPem),
            'client-key-data': b64(pair.keyPem),
          },
        },
      ],
      contexts: [{ name: user, context: { cluster: 'tenantry-local', user } }],
      'current-context': user,
    };
    writeFileSync(path, stringify(config), { mode: 0o600 });
  }

  /** A client-node KubeConfig for the admin (system:masters). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** Mints a user: client certificate with CN = name and one O per group, plus a kubeconfig. */
  makeUser(name: string, groups: string[] = []): Identity {
    const pair = this.ca.sign({ commonName: name, organizations: groups, usage: 'client' });
    const users = join(this.dir, 'users');
    mkdirSync(users, { recursive: true });
    const kubeconfigPath = join(
      users,
      `${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${++this.userCount}.kubeconfig`,
    );
    this.writeKubeconfig(kubeconfigPath, name, pair);
    return {
      name,
      groups,
      kubeconfigPath,
      kubeConfig: (): KubeConfig => {
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        return kc;
      },
    };
  }

  /** The CA that signs the API server's certificate and client certificates (PEM). */
  get caPem(): string {
    return this.ca.certPem;
  }

  /** Signs a serving certificate with the plane's CA (for webhooks on 127.0.0.1). */
  signServing(dnsNames: string[], ipAddresses: string[] = ['127.0.0.1']): CertKeyPair {
    return this.ca.sign({
      commonName: dnsNames[0] ?? 'localhost',
      dnsNames,
      ipAddresses,
      usage: 'server',
    });
  }

  /**
   * Makes a process listening on 127.0.0.1:`port` reachable through the API server's service
   * proxy as Service `namespace/name`, whose first port is named `portName`. There is no
   * kubelet, so this creates what one would: a Pod whose status carries the IP, and Endpoints
   * pointing at it (the service proxy only accepts endpoint addresses that reference a Pod
   * with that IP).
   *
   * Endpoints may not use loopback addresses (validation rejects them), so the port is published
   * at the address of a test host of our own (a network namespace, see netns.ts) and relayed to
   * 127.0.0.1:`port`; {@link ControlPlane.stop} removes it. Needs root and iproute2.
   */
  async exposeLocalService(opts: {
    namespace: string;
    name: string;
    port: number;
    portName?: string;
  }): Promise<void> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    const { namespace, name } = opts;
    const portName = opts.portName ?? 'http';
    const podName = `${name}-local`;
    const { ip, port } = await this.forward(opts.port);
    await ignoreConflict(() =>
      core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: podName, labels: { 'tenantry.io/local-endpoint': name } },
          spec: { containers: [{ name: 'local', image: 'local/none:0' }] },
        },
      }),
    );
    const pod = await core.readNamespacedPod({ name: podName, namespace });
    await core.replaceNamespacedPodStatus({
      name: podName,
      namespace,
      body: {
        ...pod,
        status: {
          ...pod.status,
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
        },
      },
    });
    await ignoreConflict(() =>
      core.createNamespacedService({
        namespace,
        body: {
          metadata: { name },
          spec: { ports: [{ name: portName, port: 8080, targetPort: port }] },
        },
      }),
    );
    const endpoints = {
      metadata: { name },
      subsets: [
        {
          addresses: [{ ip, targetRef: { kind: 'Pod', namespace, name: podName } }],
          ports: [{ name: portName, port }],
        },
      ],
    };
    try {
      await core.createNamespacedEndpoints({ namespace, body: endpoints });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      await core.replaceNamespacedEndpoints({ name, namespace, body: endpoints });
    }
  }

  /** Publishes 127.0.0.1:`port` on the plane's test host (a network namespace of our own). */
  private async forward(port: number): Promise<{ ip: string; port: number }> {
    if (this.testHost === undefined) {
      this.testHost = TestHost.create(this.dir);
      onExit(() => this.testHost?.destroy());
    }
    const published = await this.testHost.forward(port);
    // If this process is SIGKILLed, the watchdog reads this file to remove the namespace.
    writeFileSync(
      join(this.dir, 'cleanup.json'),
      JSON.stringify({ pgids: this.testHost.relayGroups(), netns: [this.testHost.name] }),
    );
    return { ip: this.testHost.address, port: published };
  }

  /** The pids of etcd, kube-apiserver and kube-controller-manager (each leads its process group). */
  componentPids(): number[] {
    return this.components.map((c) => c.child.pid ?? 0).filter((p) => p > 0);
  }

  /** Audit events so far, optionally only those of one user. */
  auditEvents(username?: string): AuditEvent[] {
    if (!existsSync(this.auditLogPath)) return [];
    const events = readFileSync(this.auditLogPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as AuditEvent);
    return username ? events.filter((e) => e.user.username === username) : events;
  }

  /** Stops every component (SIGTERM, then SIGKILL) and removes the working directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.testHost?.destroy();
    for (const c of [...this.components].reverse()) await stopComponent(c);
    this.watchdog?.kill('SIGTERM');
    if (!this.options.keepDir) rmSync(this.dir, { recursive: true, force: true });
    this.options.log?.('tenantry: control plane stopped');
  }
}

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e.code ?? e.statusCode ?? e.response?.statusCode;
}

async function ignoreConflict(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
}

function httpGet(url: string): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? true : undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}
