/**
 * docs/examples/gitops applied the way a GitOps engine does (test/integration/gitops/engine.ts:
 * Flux's Kustomizations from clusters/dev, server-side apply under the field manager
 * `kustomize-controller`, no forced conflicts, inventory pruning) against the real controller:
 *
 * - the Tenants sync first; the SealedSecrets follow once the owners have created their
 *   namespaces, and unseal; health reads as Flux (kstatus) and Argo CD compute it;
 * - applying again changes nothing (every resourceVersion stays);
 * - nothing fights over fields (disjoint managed fields; the controller never writes spec);
 * - out-of-band edits to propagated objects are repaired;
 * - removing a tenant file and pruning removes the Tenant according to its deletionPolicy.
 *
 * The example SealedSecrets are sealed for docs/examples/gitops/pub-cert.pem, whose private key
 * is the reference TEST key (test/unit/crypto/fixtures.ts); it is installed as the controller's
 * sealing key, as one restores a key backup.
 */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FIELD_MANAGER_SEALED_SECRET, FIELD_MANAGER_TENANT } from '../../../crds/index.js';
import { freePort } from '../../harness/controlplane.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import { TEST_KEY_PEM } from '../../unit/crypto/fixtures.js';
import {
  ROOT,
  condition,
  isCurrent,
  run,
  runOk,
  type ManagedFieldsEntry,
  type Obj,
  type WithStatus,
} from '../chart/helpers.js';
import { GitOpsEngine, argoSealedSecretHealth, idOf, kstatus, type UnitResult } from './engine.js';

const EXAMPLE = join(ROOT, 'docs', 'examples', 'gitops');
const FIELD_MANAGER = 'kustomize-controller';
const TENANTS = ['acme', 'globex'];
/** Who creates which namespace (the owners in the example Tenants). */
const OWNED_NAMESPACES: Record<string, string[]> = {
  alice: ['acme-prod', 'acme-dev'],
  bob: ['globex-prod'],
};
/** What each example SealedSecret must unseal to. */
const UNSEALED: Record<string, Record<string, string>> = {
  'acme-prod/db-credentials': { username: 'acme', password: 'correct-horse-battery-staple' },
  'acme-prod/registry-token': { token: 'acme-registry-token' },
  'globex-prod/api-token': { token: 'globex-api-token' },
};

interface Secret extends Obj {
  data?: Record<string, string>;
}

describe('GitOps: docs/examples/gitops synced like Flux', function () {
  this.timeout(180_000);
  const controllerNs = uniqueName('gitops');
  let repo: string;
  let engine: GitOpsEngine;
  let controller: ControllerProcess | undefined;
  let kubectlBin: string;
  let admin: string;

  const kubectl = (args: string[], stdin?: string): Promise<string> =>
    runOk(kubectlBin, ['--kubeconfig', admin, ...args], stdin !== undefined ? { stdin } : {});
  const getJson = async <T extends Obj>(args: string[]): Promise<T> =>
    JSON.parse(await kubectl(['get', ...args, '-o', 'json', '--show-managed-fields'])) as T;
  const exists = async (args: string[]): Promise<boolean> =>
    (await run(kubectlBin, ['--kubeconfig', admin, 'get', ...args])).code === 0;

  /** Every object the example put in the cluster, plus what the controllers made from it. */
  async function clusterObjects(): Promise<Obj[]> {
    const objs: Obj[] = [];
    for (const t of TENANTS)
      if (await exists(['tenant', t])) objs.push(await getJson(['tenant', t]));
    for (const ns of Object.values(OWNED_NAMESPACES).flat()) {
      const list = await getJson<Obj & { items: Obj[] }>([
        '-n',
        ns,
        'sealedsecrets,secrets,resourcequotas,limitranges,networkpolicies,rolebindings',
      ]);
      objs.push(...list.items.filter((o) => !o.metadata.name.startsWith('default-token')));
    }
    return objs;
  }

  async function resourceVersions(): Promise<Map<string, string>> {
    return new Map(
      (await clusterObjects()).map((o) => [idOf(o), o.metadata.resourceVersion ?? '']),
    );
  }

  before(async function () {
    const plane = getPlane();
    kubectlBin = plane.plane.binaries.kubectl;
    admin = plane.kubeconfigPath;
    for (const t of TENANTS) {
      expect(await exists(['tenant', t]), `tenant ${t} left over by another suite`).to.equal(false);
    }
    repo = mkdtempSync(join(tmpdir(), 'tenantry-gitops-'));
    cpSync(EXAMPLE, repo, { recursive: true });
    await kubectl(['create', 'namespace', controllerNs]);
    // The example's sealing key, restored the way Bitnami documents key backups.
    await kubectl(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: {
          name: 'sealed-secrets-key-example',
          namespace: controllerNs,
          labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' },
        },
        stringData: {
          'tls.key': TEST_KEY_PEM,
          'tls.crt': readFileSync(join(EXAMPLE, 'pub-cert.pem'), 'utf8'),
        },
      }),
    );
    const port = await freePort();
    controller = await startController(plane.plane, {
      namespace: controllerNs,
      args: [`--webhook-addr=127.0.0.1:${port}`, `--webhook-url=https://127.0.0.1:${port}`],
    });
    await controller.waitReady(120_000);
    await eventually('the admission webhooks', async () =>
      (await exists(['validatingwebhookconfiguration', 'tenantry-admission'])) ? true : undefined,
    );
    engine = new GitOpsEngine({
      repo,
      clusterDir: 'clusters/dev',
      kubectl: kubectlBin,
      kubeconfig: admin,
      fieldManager: FIELD_MANAGER,
    });
  });

  after(async function () {
    this.timeout(180_000);
    for (const t of TENANTS) {
      await run(kubectlBin, [
        '--kubeconfig',
        admin,
        'delete',
        'tenant',
        t,
        '--ignore-not-found',
        '--timeout=60s',
      ]);
    }
    await controller?.stop();
    // The webhooks point at the stopped controller: fail-closed hooks must not outlive it.
    await run(kubectlBin, [
      '--kubeconfig',
      admin,
      'delete',
      'validatingwebhookconfiguration,mutatingwebhookconfiguration',
      'tenantry-admission',
      '--ignore-not-found',
    ]);
    const namespaces = [controllerNs, ...Object.values(OWNED_NAMESPACES).flat()];
    await run(kubectlBin, [
      '--kubeconfig',
      admin,
      'delete',
      'namespace',
      ...namespaces,
      '--ignore-not-found',
      '--wait=false',
    ]);
    rmSync(repo, { recursive: true, force: true });
  });

  it('syncs the Tenants first; the SealedSecrets follow once the owners created their namespaces', async function () {
    const first = await engine.sync();
    const byUnit = (rs: UnitResult[], u: string): UnitResult | undefined =>
      rs.find((r) => r.unit === u);
    expect(byUnit(first, 'tenants')).to.deep.include({
      applied: ['Tenant//acme', 'Tenant//globex'],
      pruned: [],
    });
    expect(byUnit(first, 'tenants')?.error).to.equal(undefined);
    // Until the owners create the namespaces, the secrets Kustomizations fail and retry.
    expect(byUnit(first, 'acme-sealed-secrets')?.error).to.match(
      /namespaces "acme-prod" not found/,
    );

    for (const t of TENANTS) {
      const tenant = await eventually(
        `Tenant ${t} Ready`,
        async () => {
          const o = await getJson<WithStatus>(['tenant', t]);
          return isCurrent(o, 'Ready') ? o : undefined;
        },
        60_000,
      );
      expect(kstatus(tenant), `kstatus of ${t}`).to.equal('Current');
    }

    const plane = getPlane();
    for (const [owner, namespaces] of Object.entries(OWNED_NAMESPACES)) {
      const user = plane.makeUser(owner);
      for (const ns of namespaces) {
        await eventually(`${owner} creates ${ns}`, () =>
          runOk(kubectlBin, ['--kubeconfig', user.kubeconfigPath, 'create', 'namespace', ns]),
        );
      }
    }

    const second = await engine.sync();
    for (const r of second) expect(r.error, r.unit).to.equal(undefined);
    expect(byUnit(second, 'acme-sealed-secrets')?.applied).to.deep.equal([
      'SealedSecret/acme-prod/db-credentials',
      'SealedSecret/acme-prod/registry-token',
    ]);

    for (const [key, data] of Object.entries(UNSEALED)) {
      const [ns = '', name = ''] = key.split('/');
      const secret = await eventually(
        `Secret ${key} unsealed`,
        async () =>
          (await exists(['-n', ns, 'secret', name]))
            ? getJson<Secret>(['-n', ns, 'secret', name])
            : undefined,
        60_000,
      );
      const decoded = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      );
      expect(decoded, key).to.deep.equal(data);
      const ss = await eventually(`SealedSecret ${key} Synced`, async () => {
        const o = await getJson<WithStatus>(['-n', ns, 'sealedsecret', name]);
        return isCurrent(o, 'Synced') ? o : undefined;
      });
      expect(kstatus(ss), `kstatus of ${key}`).to.equal('Current');
      expect(argoSealedSecretHealth(ss), `Argo CD health of ${key}`).to.equal('Healthy');
    }
  });

  it('reports a SealedSecret that cannot be unsealed as Degraded in Argo CD', async function () {
    const ss = await getJson<WithStatus>(['-n', 'acme-prod', 'sealedsecret', 'db-credentials']);
    // Sealed for acme-prod/db-credentials: moved to another name, the scope refuses it.
    const moved = {
      apiVersion: ss.apiVersion,
      kind: ss.kind,
      metadata: { name: 'moved', namespace: 'acme-prod' },
      spec: {
        ...(ss.spec as object),
        template: { metadata: { name: 'moved', namespace: 'acme-prod' } },
      },
    };
    await kubectl(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      JSON.stringify(moved),
    );
    const degraded = await eventually('the moved SealedSecret to fail', async () => {
      const o = await getJson<WithStatus>(['-n', 'acme-prod', 'sealedsecret', 'moved']);
      return condition(o, 'Synced')?.status === 'False' ? o : undefined;
    });
    expect(argoSealedSecretHealth(degraded)).to.equal('Degraded');
    await kubectl(['-n', 'acme-prod', 'delete', 'sealedsecret', 'moved']);
  });

  it('changes nothing when applied again: every resourceVersion stays the same', async function () {
    // Let the controllers settle first: two snapshots two seconds apart must agree.
    let before = await resourceVersions();
    await eventually('the cluster to settle', async () => {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await resourceVersions();
      const same = JSON.stringify([...now]) === JSON.stringify([...before]);
      before = now;
      return same ? true : undefined;
    });
    const again = await engine.sync();
    for (const r of again) expect(r.error, r.unit).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await resourceVersions();
    const changed = [...after].filter(([id, rv]) => before.get(id) !== rv).map(([id]) => id);
    expect(changed, 'objects rewritten by a no-op sync').to.deep.equal([]);
    expect(after.size).to.equal(before.size);
  });

  it('never fights over fields: disjoint managers, and the controller never writes spec', async function () {
    const synced = [
      ...engine.inventory('tenants'),
      ...engine.inventory('acme-sealed-secrets'),
      ...engine.inventory('globex-sealed-secrets'),
    ];
    expect(synced).to.have.length(5);
    for (const id of synced) {
      const [kind = '', ns = '', name = ''] = id.split('/');
      const o = await getJson<Obj>([kind.toLowerCase(), name, ...(ns !== '' ? ['-n', ns] : [])]);
      const owners = fieldOwners(o.metadata.managedFields ?? []);
      const mine = owners.get(FIELD_MANAGER) ?? new Set<string>();
      // The controller does write these objects (status, finalizer): the check below has teeth.
      const controllerManager =
        kind === 'Tenant' ? FIELD_MANAGER_TENANT : FIELD_MANAGER_SEALED_SECRET;
      expect(
        owners.get(controllerManager)?.size ?? 0,
        `${id}: ${controllerManager}`,
      ).to.be.greaterThan(0);
      expect(mine.size, `${id}: ${FIELD_MANAGER} owns its fields`).to.be.greaterThan(0);
      expect(
        [...mine].some((f) => f.startsWith('.f:status')),
        `${id}: the engine owns no status`,
      ).to.equal(false);
      for (const [manager, fields] of owners) {
        if (manager === FIELD_MANAGER) continue;
        expect(
          [...fields].filter((f) => mine.has(f)),
          `${id}: ${manager} shares fields with ${FIELD_MANAGER}`,
        ).to.deep.equal([]);
        expect(
          [...fields].filter((f) => f.startsWith('.f:spec')),
          `${id}: ${manager} writes spec`,
        ).to.deep.equal([]);
      }
    }
  });

  it('repairs out-of-band edits to the objects it propagates', async function () {
    const child = async (ns: string, from: string): Promise<Obj> => {
      const list = await getJson<Obj & { items: Obj[] }>([
        '-n',
        ns,
        'resourcequotas,limitranges,networkpolicies,rolebindings',
        '-l',
        `tenantry.io/propagated-from=${from}`,
      ]);
      const first = list.items[0];
      if (first === undefined) throw new Error(`no ${from} child in ${ns}`);
      return first;
    };
    const limits = await child('acme-dev', 'limitrange');
    const original = JSON.stringify(limits.spec);
    await kubectl([
      '-n',
      'acme-dev',
      'patch',
      'limitrange',
      limits.metadata.name,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/limits/0/default/cpu', value: '4' }]),
    ]);
    const netpol = await child('acme-prod', 'networkpolicy');
    await kubectl(['-n', 'acme-prod', 'delete', 'networkpolicy', netpol.metadata.name]);
    await kubectl(['-n', 'acme-prod', 'delete', 'secret', 'db-credentials']);

    await eventually('the LimitRange repaired', async () =>
      JSON.stringify((await child('acme-dev', 'limitrange')).spec) === original ? true : undefined,
    );
    await eventually('the NetworkPolicy recreated', async () =>
      (await exists(['-n', 'acme-prod', 'networkpolicy', netpol.metadata.name])) ? true : undefined,
    );
    await eventually('the unsealed Secret recreated', async () =>
      (await exists(['-n', 'acme-prod', 'secret', 'db-credentials'])) ? true : undefined,
    );
  });

  it('prunes a removed tenant file, and the deletionPolicy decides about its namespaces', async function () {
    removeTenant(repo, 'globex'); // deletionPolicy: Delete
    removeTenant(repo, 'acme'); // deletionPolicy: Retain
    const results = await engine.sync();
    const pruned = results.flatMap((r) => r.pruned);
    expect(pruned).to.include.members([
      'Tenant//acme',
      'Tenant//globex',
      'SealedSecret/globex-prod/api-token',
      'SealedSecret/acme-prod/db-credentials',
    ]);
    for (const t of TENANTS) {
      await eventually(
        `Tenant ${t} gone`,
        async () => ((await exists(['tenant', t])) ? undefined : true),
        90_000,
      );
    }
    // Delete: the controller deleted globex's namespace.
    await eventually(
      'globex-prod deleted',
      async () => ((await exists(['namespace', 'globex-prod'])) ? undefined : true),
      90_000,
    );
    // Retain: acme's namespaces stay, detached from the Tenant.
    for (const ns of OWNED_NAMESPACES.alice ?? []) {
      const o = await getJson<Obj & { status?: { phase?: string } }>(['namespace', ns]);
      expect(o.status?.phase, ns).to.equal('Active');
      expect(o.metadata.labels ?? {}, ns).to.not.have.property('tenantry.io/tenant');
      expect(
        (o.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Tenant'),
        ns,
      ).to.deep.equal([]);
    }
  });
});

/** Removes a Tenant from the example repository: its file, its kustomization entry, its secrets. */
function removeTenant(repo: string, tenant: string): void {
  const tenants = join(repo, 'tenants', 'kustomization.yaml');
  writeFileSync(
    tenants,
    readFileSync(tenants, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== `- ${tenant}.yaml`)
      .join('\n'),
  );
  rmSync(join(repo, 'tenants', `${tenant}.yaml`));
  rmSync(join(repo, 'tenants', tenant), { recursive: true });
  const flux = join(repo, 'clusters', 'dev', 'flux.yaml');
  writeFileSync(
    flux,
    readFileSync(flux, 'utf8')
      .split(/^---$/m)
      .filter((doc) => !doc.includes(`name: ${tenant}-sealed-secrets`))
      .join('---'),
  );
}

/**
 * The leaf fields each manager owns, as dotted fieldsV1 paths (`.f:spec.f:owners`), with
 * list-item keys kept (`.k:{"name":"x"}`) so that two owners of one item's fields are seen.
 */
function fieldOwners(entries: readonly ManagedFieldsEntry[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  const walk = (node: Record<string, unknown>, path: string, into: Set<string>): void => {
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (keys.length === 0) into.add(path);
    for (const k of keys) walk(node[k] as Record<string, unknown>, `${path}.${k}`, into);
  };
  for (const e of entries) {
    const set = owners.get(e.manager) ?? new Set<string>();
    // A status subresource manager's paths are under .f:status already.
    walk(e.fieldsV1 ?? {}, '', set);
    owners.set(e.manager, set);
  }
  return owners;
}
