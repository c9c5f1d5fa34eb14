import { expect } from 'chai';
import {
  getCondition,
  isConditionTrue,
  isStatusEqual,
  removeCondition,
  setCondition,
  sortConditions,
  toConditionTime,
  type Condition,
} from '../../../controller/runtime/conditions.js';
import { deepFreeze } from '../../../controller/runtime/objects.js';

const t0 = new Date('2025-01-01T10:00:00.123Z');
const t1 = new Date('2025-01-01T11:30:00.999Z');

function ready(status: Condition['status'], reason = 'Reconciled', message = ''): Condition {
  return { type: 'Ready', status, reason, message, lastTransitionTime: '2025-01-01T10:00:00Z' };
}

describe('runtime/conditions', () => {
  describe('setCondition', () => {
    it('adds a new condition stamped with now, at second precision', () => {
      const out = setCondition([], { type: 'Ready', status: 'True', reason: 'Reconciled' }, t0);
      expect(out).to.deep.equal([
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: '',
          lastTransitionTime: '2025-01-01T10:00:00Z',
        },
      ]);
    });

    it('keeps lastTransitionTime when only reason and message change', () => {
      const out = setCondition(
        [ready('False', 'Waiting', 'waiting for namespaces')],
        { type: 'Ready', status: 'False', reason: 'QuotaFailed', message: 'quota rejected' },
        t1,
      );
      expect(out[0]).to.include({
        reason: 'QuotaFailed',
        message: 'quota rejected',
        lastTransitionTime: '2025-01-01T10:00:00Z',
      });
    });

    it('moves lastTransitionTime when the status changes', () => {
      const out = setCondition(
        [ready('False')],
        { type: 'Ready', status: 'True', reason: 'Reconciled' },
        t1,
      );
      expect(out[0]?.lastTransitionTime).to.equal('2025-01-01T11:30:00Z');
    });

    it('records observedGeneration when given and drops it when not', () => {
      const withGen = setCondition(
        [],
        { type: 'Ready', status: 'True', reason: 'R', observedGeneration: 3 },
        t0,
      );
      expect(withGen[0]?.observedGeneration).to.equal(3);
      const without = setCondition(withGen, { type: 'Ready', status: 'True', reason: 'R' }, t0);
      expect(without[0]).to.not.have.property('observedGeneration');
    });

    it('does not modify its input, even a frozen cache copy', () => {
      const input = deepFreeze([ready('False')]);
      const out = setCondition(input, { type: 'Ready', status: 'True', reason: 'R' }, t1);
      expect(input[0]?.status).to.equal('False');
      expect(out).to.not.equal(input);
    });

    it('keeps other conditions untouched', () => {
      const stalled: Condition = {
        type: 'Stalled',
        status: 'True',
        reason: 'InvalidSpec',
        message: 'm',
        lastTransitionTime: '2024-12-31T00:00:00Z',
      };
      const out = setCondition([stalled], { type: 'Ready', status: 'False', reason: 'R' }, t0);
      expect(getCondition(out, 'Stalled')).to.deep.equal(stalled);
    });
  });

  describe('sorting', () => {
    it('orders Ready, Stalled, Reconciling, then the rest alphabetically', () => {
      let conds: Condition[] = [];
      for (const type of ['Zeta', 'Reconciling', 'Alpha', 'Ready', 'Stalled', 'Mid']) {
        conds = setCondition(conds, { type, status: 'True', reason: 'R' }, t0);
      }
      expect(conds.map((c) => c.type)).to.deep.equal([
        'Ready',
        'Stalled',
        'Reconciling',
        'Alpha',
        'Mid',
        'Zeta',
      ]);
    });

    it('is a pure function of the set, not of insertion order', () => {
      const a = [ready('True'), { ...ready('True'), type: 'B' }, { ...ready('True'), type: 'A' }];
      expect(sortConditions(a)).to.deep.equal(sortConditions([...a].reverse()));
    });
  });

  describe('helpers', () => {
    it('getCondition, isConditionTrue and removeCondition', () => {
      const conds = [ready('True'), { ...ready('False'), type: 'Stalled' }];
      expect(isConditionTrue(conds, 'Ready')).to.equal(true);
      expect(isConditionTrue(conds, 'Stalled')).to.equal(false);
      expect(isConditionTrue(conds, 'Missing')).to.equal(false);
      expect(removeCondition(conds, 'Stalled').map((c) => c.type)).to.deep.equal(['Ready']);
      expect(getCondition(undefined, 'Ready')).to.equal(undefined);
    });

    it('toConditionTime drops milliseconds', () => {
      expect(toConditionTime(t1)).to.equal('2025-01-01T11:30:00Z');
    });
  });

  describe('isStatusEqual', () => {
    it('ignores key order', () => {
      expect(isStatusEqual({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).to.equal(
        true,
      );
    });

    it('treats undefined fields as absent', () => {
      expect(isStatusEqual({ a: 1, b: undefined }, { a: 1 })).to.equal(true);
    });

    it('compares conditions by type, not position', () => {
      const r = ready('True');
      const s = { ...ready('False'), type: 'Stalled' };
      expect(isStatusEqual({ conditions: [r, s] }, { conditions: [s, r] })).to.equal(true);
    });

    it('detects a changed value, an added field and a changed condition', () => {
      expect(isStatusEqual({ observedGeneration: 1 }, { observedGeneration: 2 })).to.equal(false);
      expect(isStatusEqual({}, { size: 0 })).to.equal(false);
      expect(
        isStatusEqual({ conditions: [ready('True')] }, { conditions: [ready('False')] }),
      ).to.equal(false);
    });

    it('says a status recomputed with no change equals the stored one (no write)', () => {
      const stored = { observedGeneration: 4, conditions: [ready('True')] };
      const next = {
        observedGeneration: 4,
        conditions: setCondition(
          stored.conditions,
          { type: 'Ready', status: 'True', reason: 'Reconciled' },
          t1,
        ),
      };
      expect(isStatusEqual(stored, next)).to.equal(true);
    });
  });
});
