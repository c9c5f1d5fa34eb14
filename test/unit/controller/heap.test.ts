import { expect } from 'chai';
import { heapGrowthFlag } from '../../../controller/heap.js';
import { parser } from '../../../controller/options.js';

describe('--heap-growth-percent', () => {
  describe('heapGrowthFlag', () => {
    it('maps a percentage to the V8 flag', () => {
      expect(heapGrowthFlag(50, [], undefined)).to.equal('--heap-growing-percent=50');
    });

    it('leaves V8 its own heuristic for 0', () => {
      expect(heapGrowthFlag(0, [], undefined)).to.equal(undefined);
    });

    it('never overrides a flag given to node itself, on its command line or in NODE_OPTIONS', () => {
      expect(heapGrowthFlag(50, ['--heap-growing-percent=20'], undefined)).to.equal(undefined);
      expect(heapGrowthFlag(50, ['--heap_growing_percent=20'], undefined)).to.equal(undefined);
      expect(heapGrowthFlag(50, [], '--enable-source-maps --heap-growing-percent=20')).to.equal(
        undefined,
      );
      expect(heapGrowthFlag(50, ['--max-old-space-size=200'], '--trace-gc')).to.equal(
        '--heap-growing-percent=50',
      );
    });

    it('rejects a value that is not a whole number from 0 to 300, naming the flag', () => {
      expect(() => heapGrowthFlag(-1, [], undefined)).to.throw(/--heap-growth-percent.*-1/);
      expect(() => heapGrowthFlag(1.5, [], undefined)).to.throw(/--heap-growth-percent/);
      expect(() => heapGrowthFlag(301, [], undefined)).to.throw(/--heap-growth-percent.*301/);
      expect(heapGrowthFlag(300, [], undefined)).to.equal('--heap-growing-percent=300');
    });
  });

  describe('the controller flag', () => {
    const parse = (argv: string[]): Promise<Record<string, unknown>> =>
      parser(argv, {}, [])
        .exitProcess(false)
        .fail((msg, err) => {
          throw err ?? new Error(msg);
        })
        .parseAsync();

    it('defaults to 50', async () => {
      expect((await parse([]))['heap-growth-percent']).to.equal(50);
    });

    it('takes a value from the command line', async () => {
      expect((await parse(['--heap-growth-percent', '0']))['heap-growth-percent']).to.equal(0);
      expect((await parse(['--heap-growth-percent=120']))['heap-growth-percent']).to.equal(120);
    });

    for (const bad of ['-5', '301', '2.5', 'lots']) {
      it(`rejects --heap-growth-percent ${bad} with a message naming the flag`, async () => {
        let error: unknown;
        try {
          await parse(['--heap-growth-percent', bad]);
        } catch (err) {
          error = err;
        }
        expect(String(error)).to.match(/heap-growth-percent/);
      });
    }
  });
});
