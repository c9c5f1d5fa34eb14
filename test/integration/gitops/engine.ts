/**
 * A small GitOps engine for tests, shaped like Flux's kustomize-controller: it reads the Flux
 * `Kustomization`s of a cluster directory, builds each one's path (the `resources` of its
 * kustomization.yaml, files and directories), applies every object with **server-side apply under
 * its own field manager, without forcing conflicts**, keeps an inventory per Kustomization and
 * prunes what left Git. Health is judged the way Flux (kstatus) and Argo CD do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDocs, run, type Obj, type WithStatus } from '../chart/helpers.js';

/** One Flux Kustomization: a path synced as a unit. */
export interface SyncUnit {
  readonly name: string;
  readonly path: string;
  readonly prune: boolean;
  readonly dependsOn: readonly string[];
}

/** What one sync of one unit did. */
export interface UnitResult {
  readonly unit: string;
  readonly applied: readonly string[];
  readonly pruned: readonly string[];
  /** The apply error, if the unit failed (the engine retries on the next sync, as Flux does). */
  readonly error?: string;
}

/** `kind/namespace/name`, the inventory key of an object. */
export function idOf(o: Obj): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The Flux Kustomizations of `clusterDir`, dependencies first. */
export function syncUnits(repo: string, clusterDir: string): SyncUnit[] {
  const docs = build(repo, clusterDir).filter(
    (o) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
  );
  const units = docs.map((o) => {
    const spec = o.spec as { path: string; prune?: boolean; dependsOn?: { name: string }[] };
    return {
      name: o.metadata.name,
      path: spec.path.replace(/^\.\//, ''),
      prune: spec.prune === true,
      dependsOn: (spec.dependsOn ?? []).map((d) => d.name),
    };
  });
  const ordered: SyncUnit[] = [];
  const visit = (u: SyncUnit): void => {
    if (ordered.includes(u)) return;
    for (const d of u.dependsOn) {
      const dep = units.find((x) => x.name === d);
      if (dep !== undefined) visit(dep);
    }
    ordered.push(u);
  };
  units.forEach(visit);
  return ordered;
}

/** `kustomize build`, the subset this repository uses: `resources` files and directories. */
export function build(repo: string, path: string): Obj[] {
  const dir = join(repo, path);
  const kfile = join(dir, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new Error(`${path}: no kustomization.yaml`);
  const k = parse(readFileSync(kfile, 'utf8')) as { resources?: string[] };
  return (k.resources ?? []).flatMap((r) => {
    const full = join(dir, r);
    if (statSync(full).isDirectory()) return build(repo, join(path, r));
    return parseDocs(readFileSync(full, 'utf8'));
  });
}

/** Options for {@link GitOpsEngine}. */
export interface EngineOptions {
  readonly repo: string;
  readonly clusterDir: string;
  readonly kubectl: string;
  readonly kubeconfig: string;
  /** The engine's field manager, e.g. Flux's `kustomize-controller`. */
  readonly fieldManager: string;
}

/** Applies a repository the way Flux does; keeps inventories between syncs. */
export class GitOpsEngine {
  private readonly inventories = new Map<string, Set<string>>();

  constructor(private readonly opts: EngineOptions) {}

  /** The current inventory of a unit (what it applied last time it succeeded). */
  inventory(unit: string): ReadonlySet<string> {
    return this.inventories.get(unit) ?? new Set();
  }

  /** One reconciliation of every unit; units absent from Git now have their inventory pruned. */
  async sync(): Promise<UnitResult[]> {
    const units = syncUnits(this.opts.repo, this.opts.clusterDir);
    const results: UnitResult[] = [];
    for (const unit of units) results.push(await this.syncUnit(unit));
    for (const [name, inventory] of [...this.inventories]) {
      if (units.some((u) => u.name === name)) continue;
      // A Kustomization removed with prune: true garbage-collects what it applied.
      const pruned = await this.prune(inventory);
      this.inventories.delete(name);
      results.push({ unit: name, applied: [], pruned });
    }
    return results;
  }

  private async syncUnit(unit: SyncUnit): Promise<UnitResult> {
    const objs = build(this.opts.repo, unit.path);
    const applied: string[] = [];
    for (const o of objs) {
      const r = await this.kubectl(
        ['apply', '--server-side', `--field-manager=${this.opts.fieldManager}`, '-f', '-'],
        JSON.stringify(o),
      );
      if (r.code !== 0) {
        // Flux applies the whole set or reports the failure and retries later.
        return { unit: unit.name, applied, pruned: [], error: r.stderr.trim() };
      }
      applied.push(idOf(o));
    }
    const previous = this.inventories.get(unit.name) ?? new Set<string>();
    const current = new Set(applied);
    const gone = new Set([...previous].filter((id) => !current.has(id)));
    const pruned = unit.prune ? await this.prune(gone) : [];
    this.inventories.set(unit.name, current);
    return { unit: unit.name, applied, pruned };
  }

  private async prune(ids: ReadonlySet<string>): Promise<string[]> {
    const pruned: string[] = [];
    for (const id of ids) {
      const [kind = '', ns = '', name = ''] = id.split('/');
      const r = await this.kubectl([
        'delete',
        kind.toLowerCase(),
        name,
        ...(ns !== '' ? ['-n', ns] : []),
        '--ignore-not-found',
        '--wait=false',
      ]);
      if (r.code !== 0) throw new Error(`pruning ${id}: ${r.stderr}`);
      pruned.push(id);
    }
    return pruned;
  }

  private kubectl(args: string[], stdin?: string): ReturnType<typeof run> {
    return run(this.opts.kubectl, ['--kubeconfig', this.opts.kubeconfig, ...args], {
      ...(stdin !== undefined ? { stdin } : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Health, as the engines compute it
// ---------------------------------------------------------------------------------------------

/** kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), for a custom resource without built-in rules. */
export function kstatus(o: WithStatus): 'Terminating' | 'InProgress' | 'Failed' | 'Current' {
  if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
  const observed = o.status?.observedGeneration;
  if (observed !== undefined && observed !== o.metadata.generation) return 'InProgress';
  for (const c of o.status?.conditions ?? []) {
    if (c.type === 'Reconciling' && c.status === 'True') return 'InProgress';
    if (c.type === 'Stalled' && c.status === 'True') return 'Failed';
  }
  return 'Current';
}

/** Argo CD's built-in health check for bitnami.com/SealedSecret (resource_customizations). */
export function argoSealedSecretHealth(o: WithStatus): 'Healthy' | 'Degraded' | 'Progressing' {
  for (const c of o.status?.conditions ?? []) {
    if (c.type === 'Synced' && c.status === 'False') return 'Degraded';
    if (c.type === 'Synced' && c.status === 'True') return 'Healthy';
  }
  return 'Progressing';
}
