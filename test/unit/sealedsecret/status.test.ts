import { expect } from 'chai';
import { nextStatus, statusUnchanged } from '../../../controller/sealedsecret/status.js';

const t0 = new Date('2024-01-01T00:00:00.123Z');
const t1 = new Date('2024-01-01T00:05:00Z');
const ok = { status: 'True' as const, reason: 'Unsealed', message: '' };
const bad = { status: 'False' as const, reason: 'UnsealFailed', message: 'no key could decrypt' };

describe('SealedSecret status', () => {
  it('writes Synced first, Ready mirroring it, and observedGeneration', () => {
    const s = nextStatus(undefined, ok, 3, t0);
    expect(s).to.deep.equal({
      observedGeneration: 3,
      conditions: ['Synced', 'Ready'].map((type) => ({
        type,
        status: 'True',
        reason: 'Unsealed',
        message: '',
        lastUpdateTime: '2024-01-01T00:00:00Z',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      })),
    });
  });

  it('changes nothing (not even lastUpdateTime) when the outcome is the same', () => {
    const s = nextStatus(undefined, ok, 1, t0);
    const again = nextStatus(s, ok, 1, t1);
    expect(statusUnchanged(s, again)).to.equal(true);
  });

  it('moves lastTransitionTime only on a status flip, lastUpdateTime on any change', () => {
    const s = nextStatus(undefined, bad, 1, t0);
    const other = nextStatus(s, { ...bad, message: 'other' }, 1, t1);
    expect(other.conditions?.[0]?.lastTransitionTime).to.equal('2024-01-01T00:00:00Z');
    expect(other.conditions?.[0]?.lastUpdateTime).to.equal('2024-01-01T00:05:00Z');
    const flipped = nextStatus(s, ok, 2, t1);
    expect(flipped.conditions?.[0]?.lastTransitionTime).to.equal('2024-01-01T00:05:00Z');
    expect(statusUnchanged(s, flipped)).to.equal(false);
  });

  it("keeps other tools' condition types after its own", () => {
    const s = nextStatus({ conditions: [{ type: 'Custom', status: 'True' }] }, ok, 1, t0);
    expect(s.conditions?.map((c) => c.type)).to.deep.equal(['Synced', 'Ready', 'Custom']);
  });

  it('rewrites a Bitnami status (no reason) once', () => {
    const bitnami = {
      observedGeneration: 1,
      conditions: [
        { type: 'Synced', status: 'True', lastUpdateTime: 'x', lastTransitionTime: 'y' },
      ],
    };
    expect(statusUnchanged(bitnami, nextStatus(bitnami, ok, 1, t0))).to.equal(false);
  });
});
