import { expect } from 'chai';
import {
  loweredStatusHard,
  planTenantQuota,
  quotaTargets,
  type QuotaObservation,
  type QuotaPlan,
} from '../../../controller/tenant/quota.js';

const U = 1_000_000_000n; // one whole unit in nano-units
const R = 'count/configmaps';

function obs(
  namespace: string,
  q?: { spec: number; status?: number; used?: number },
  terminating = false,
): QuotaObservation {
  return {
    namespace,
    terminating,
    ...(q !== undefined
      ? {
          quota: {
            specHard: { [R]: BigInt(q.spec) * U },
            ...(q.status !== undefined ? { statusHard: { [R]: BigInt(q.status) * U } } : {}),
            ...(q.used !== undefined ? { used: { [R]: BigInt(q.used) * U } } : {}),
            scopesMatch: true,
          },
        }
      : {}),
  };
}

function targetsOf(plan: Map<string, Record<string, bigint>>): Record<string, number> {
  return Object.fromEntries([...plan].map(([ns, t]) => [ns, Number((t[R] ?? 0n) / U)]));
}

const hard = (n: number): Record<string, bigint> => ({ [R]: BigInt(n) * U });

describe('tenant quota planner', () => {
  describe('targets', () => {
    it('gives each namespace its usage plus an equal share of what is left, remainder to the first by name', () => {
      const t = quotaTargets(hard(10), [
        obs('b', { spec: 0, used: 1 }),
        obs('a', { spec: 0, used: 2 }),
        obs('c'),
      ]);
      // used 3, left 7: 3 / 2 / 2.
      expect(targetsOf(t)).to.deep.equal({ a: 5, b: 3, c: 2 });
    });

    it('freezes everyone at their usage when the tenant is at or over its limit', () => {
      const t = quotaTargets(hard(4), [
        obs('a', { spec: 3, used: 3 }),
        obs('b', { spec: 2, used: 2 }),
      ]);
      expect(targetsOf(t)).to.deep.equal({ a: 3, b: 2 });
    });

    it('splits milli-quantities in millis and holds a terminating namespace at its usage', () => {
      const cpu = 'requests.cpu';
      const t = quotaTargets({ [cpu]: 1_500_000_000n }, [
        { namespace: 'a', terminating: false },
        { namespace: 'b', terminating: false },
        {
          namespace: 'z',
          terminating: true,
          quota: {
            specHard: { [cpu]: 500_000_000n },
            used: { [cpu]: 100_000_000n },
            scopesMatch: true,
          },
        },
      ]);
      expect(t.get('a')?.[cpu]).to.equal(700_000_000n);
      expect(t.get('b')?.[cpu]).to.equal(700_000_000n);
      expect(t.get('z')?.[cpu]).to.equal(100_000_000n);
    });
  });

  describe('phases', () => {
    it('creates missing quotas first (a namespace without one is unbounded), lowering status too', () => {
      const plan = planTenantQuota(hard(10), [
        obs('a', { spec: 10, status: 10, used: 1 }),
        obs('b'),
      ]);
      expect(plan.kind).to.equal('lower');
      const writes = (plan as Extract<QuotaPlan, { writes: unknown }>).writes;
      expect(
        writes.map((w) => [
          w.namespace,
          w.action,
          Number((w.specHard[R] ?? 0n) / U),
          w.lowerStatus,
        ]),
      ).to.deep.equal([
        ['a', 'lower', 6, true],
        ['b', 'create', 4, true],
      ]);
    });

    it('lowers an enforced status.hard that is above target even when spec already is not', () => {
      const plan = planTenantQuota(hard(10), [
        obs('a', { spec: 5, status: 9, used: 0 }),
        obs('b', { spec: 5, status: 5, used: 0 }),
      ]);
      expect(plan.kind).to.equal('lower');
    });

    it('waits, rather than raising, while a namespace usage is not counted yet', () => {
      const plan = planTenantQuota(hard(10), [
        obs('a', { spec: 4, status: 4 }),
        obs('b', { spec: 4, status: 4, used: 0 }),
      ]);
      expect(plan).to.deep.equal({
        kind: 'wait',
        reason: `waiting for the usage of ${R} in namespace a to be counted`,
      });
    });

    it('raises only once nothing is above target, and is steady when allocations match', () => {
      const before = [
        obs('a', { spec: 3, status: 3, used: 1 }),
        obs('b', { spec: 3, status: 3, used: 1 }),
      ];
      const plan = planTenantQuota(hard(10), before);
      expect(plan.kind).to.equal('raise');
      const after = [
        obs('a', { spec: 5, status: 5, used: 1 }),
        obs('b', { spec: 5, status: 3, used: 1 }),
      ];
      expect(planTenantQuota(hard(10), after)).to.deep.equal({ kind: 'steady' });
    });

    it('lowers status.hard to min(status, spec), leaving other resources alone', () => {
      expect(loweredStatusHard({ [R]: 9n, pods: 3n }, { [R]: 5n })).to.deep.equal({
        [R]: 5n,
        pods: 3n,
      });
      expect(loweredStatusHard({ [R]: 4n }, { [R]: 5n })).to.equal(undefined);
      expect(loweredStatusHard(undefined, { [R]: 5n })).to.deep.equal({ [R]: 5n });
    });
  });

  describe('under concurrency (simulated apiserver, quota controller and creates)', () => {
    /**
     * A tiny model of the parts that matter: per namespace a ResourceQuota (spec.hard,
     * status.hard, status.used, resourceVersion) and the objects it counts. Actors take atomic
     * steps in random order: quota admission (a create commits iff used+1 ≤ status.hard, at the
     * current resourceVersion), the quota controller (status.hard := spec.hard, used := count),
     * deletes, and the Tenant controller, which plans from a snapshot and then performs each
     * write as a separate step, guarded by the resourceVersion it planned from.
     */
    interface NsState {
      spec: bigint;
      status: bigint | undefined;
      used: bigint | undefined;
      objects: bigint;
      rv: number;
    }

    /** `ours`: the planner as shipped; `spec-only`: a planner that believes status.hard = spec.hard. */
    function simulate(seed: number, opts: { mode: 'ours' | 'spec-only'; steps: number }): bigint {
      let rnd = seed;
      const random = (): number => {
        rnd = (rnd * 1103515245 + 12345) % 2147483648;
        return rnd / 2147483648;
      };
      const H = 12n * U;
      const names = ['a', 'b', 'c', 'd'];
      const state = new Map<string, NsState>(
        names.map((n) => [n, { spec: 0n, status: 0n, used: 0n, objects: 0n, rv: 1 }]),
      );
      let clock = 1;
      let maxObjects = 0n;
      // The controller's pending program: writes still to perform from its last plan.
      let pending: (() => boolean)[] = [];
      const snapshotObs = (): QuotaObservation[] =>
        names.map((n) => {
          const s = state.get(n)!;
          return {
            namespace: n,
            terminating: false,
            quota: {
              specHard: { [R]: s.spec },
              ...(opts.mode === 'spec-only'
                ? { statusHard: { [R]: s.spec } }
                : s.status !== undefined
                  ? { statusHard: { [R]: s.status } }
                  : {}),
              ...(s.used !== undefined ? { used: { [R]: s.used } } : {}),
              scopesMatch: true,
            },
          };
        });
      const plan = (): void => {
        const p = planTenantQuota({ [R]: H }, snapshotObs());
        if (p.kind !== 'lower' && p.kind !== 'raise') return;
        for (const w of p.writes) {
          const plannedRv = state.get(w.namespace)!.rv;
          let afterSpecRv = -1;
          const target = w.specHard[R] ?? 0n;
          pending.push(() => {
            const s = state.get(w.namespace)!;
            if (s.rv !== plannedRv) return false; // 409: replan
            s.spec = target;
            s.rv = afterSpecRv = ++clock;
            return true;
          });
          if (w.lowerStatus && opts.mode === 'ours') {
            pending.push(() => {
              const s = state.get(w.namespace)!;
              if (s.rv !== afterSpecRv) return false;
              const lowered = loweredStatusHard(
                s.status !== undefined ? { [R]: s.status } : undefined,
                { [R]: target },
              );
              if (lowered !== undefined) {
                s.status = lowered[R];
                s.rv = ++clock;
              }
              return true;
            });
          }
        }
        // A lowering phase is always followed by a fresh plan (quota-sync.ts does the same).
        pending.push(() => false);
      };
      for (let step = 0; step < opts.steps; step++) {
        const r = random();
        const ns = state.get(names[Math.floor(random() * names.length)]!)!;
        if (r < 0.45) {
          // quota admission: a create
          if (ns.status !== undefined && ns.used !== undefined && ns.used + U <= ns.status) {
            ns.used += U;
            ns.objects += U;
            ns.rv = ++clock;
          }
        } else if (r < 0.55) {
          // a delete (usage drops only when the quota controller recounts)
          if (ns.objects > 0n) ns.objects -= U;
        } else if (r < 0.7) {
          // the quota controller syncs one namespace
          ns.status = ns.spec;
          ns.used = ns.objects;
          ns.rv = ++clock;
        } else {
          // the Tenant controller: next write of its program, or a new plan
          const next = pending.shift();
          if (next === undefined) plan();
          else if (!next()) pending = [];
        }
        const total = [...state.values()].reduce((sum, s) => sum + s.objects, 0n);
        if (total > maxObjects) maxObjects = total;
      }
      return maxObjects / U;
    }

    it('never lets the objects of all namespaces exceed hard (200 random schedules)', () => {
      let best = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const peak = Number(simulate(seed, { mode: 'ours', steps: 3000 }));
        expect(peak, `seed ${seed}`).to.be.at.most(12);
        best = Math.max(best, peak);
      }
      expect(best, 'the whole budget is reachable').to.equal(12);
    });

    it('would overshoot if it trusted spec.hard (admission enforces status.hard, copied late)', () => {
      const worst = Math.max(
        ...Array.from({ length: 200 }, (_, i) =>
          Number(simulate(i + 1, { mode: 'spec-only', steps: 3000 })),
        ),
      );
      expect(worst).to.be.greaterThan(12);
    });
  });
});
