import { expect } from 'chai';
import { parseManifests } from '../../../plugin/shared/documents.js';
import { CliError, formatCliError } from '../../../plugin/shared/errors.js';
import {
  kubeconfigFiles,
  parseRequestTimeout,
  readContextInfo,
} from '../../../plugin/shared/kubeconfig.js';
import { chooseFormat, formatObjects } from '../../../plugin/shared/output.js';
import { TempDir } from './helpers.js';

describe('plugin/shared', () => {
  describe('parseManifests', () => {
    it('reads YAML multi-doc, skipping empty documents', async () => {
      const objects = await parseManifests('---\na: 1\n---\n\n---\nb: 2\n...\n', 'x');
      expect(objects).to.deep.equal([{ a: 1 }, { b: 2 }]);
    });

    it('reads concatenated JSON, with braces inside strings', async () => {
      const objects = await parseManifests('{"a": "}{"}\n{"b": [1, {"c": "\\"}"}]}', 'x');
      expect(objects).to.deep.equal([{ a: '}{' }, { b: [1, { c: '"}' }] }]);
    });

    it('flattens a v1 List', async () => {
      const objects = await parseManifests(
        '{"kind":"List","items":[{"kind":"Secret"},{"kind":"Secret","x":1}]}',
        'x',
      );
      expect(objects).to.have.length(2);
    });

    it('names the source and document on errors', async () => {
      const errorOf = async (text: string): Promise<string> => {
        try {
          await parseManifests(text, 'in.yaml');
        } catch (err) {
          expect(err).to.be.instanceOf(CliError);
          return (err as Error).message;
        }
        throw new Error('expected an error');
      };
      expect(await errorOf('- 1\n- 2\n')).to.equal('in.yaml: document 1 is not an object');
      expect(await errorOf('{"a":1}\n{"a":')).to.match(/^in\.yaml: invalid JSON in document 2/);
      expect(await errorOf('a: 1\n---\nb: [\n')).to.match(/^in\.yaml: invalid YAML in document 2/);
      expect(await errorOf('[1]')).to.equal('in.yaml: document 1 is not an object');
      expect(await errorOf('{"a":1} "x"')).to.equal('in.yaml: document 2 is not an object');
      expect(await errorOf('{"a":1} x')).to.match(/invalid JSON in document 2/);
    });
  });

  describe('output', () => {
    it('JSON: pretty, one newline each; YAML: --- per document, sorted keys', async () => {
      expect(await formatObjects([{ b: 1, a: 2 }, {}], 'json')).to.equal(
        '{\n  "b": 1,\n  "a": 2\n}\n{}\n',
      );
      expect(await formatObjects([{ b: 1, a: [1] }], 'yaml')).to.equal('---\na:\n- 1\nb: 1\n');
    });

    it('chooses the format: explicit > file extension > fallback', () => {
      expect(chooseFormat(undefined, 'x.YML', 'json')).to.equal('yaml');
      expect(chooseFormat('json', 'x.yaml', 'json')).to.equal('json');
      expect(chooseFormat(undefined, 'x.txt', 'json')).to.equal('json');
      expect(chooseFormat(undefined, undefined, 'yaml')).to.equal('yaml');
    });
  });

  describe('errors', () => {
    it('formats any error as one line', () => {
      expect(formatCliError(new CliError('a\n  b'))).to.equal('error: a b');
      expect(formatCliError('plain')).to.equal('error: plain');
    });
  });

  describe('kubeconfig', () => {
    let dir: TempDir;
    beforeEach(() => {
      dir = new TempDir();
    });
    afterEach(() => dir.cleanup());

    it('--kubeconfig > $KUBECONFIG (missing entries skipped) > ~/.kube/config', () => {
      const a = dir.file('a', '');
      expect(kubeconfigFiles({ kubeconfig: 'x' }, { KUBECONFIG: a })).to.deep.equal({
        files: ['x'],
        explicit: true,
      });
      expect(kubeconfigFiles({}, { KUBECONFIG: `${a}:${dir.path}/missing` })).to.deep.equal({
        files: [a],
        explicit: true,
      });
      expect(kubeconfigFiles({}, { HOME: dir.path })).to.deep.equal({ files: [], explicit: false });
    });

    it('merges files first-wins, as kubectl', async () => {
      const one = dir.file(
        'one',
        'current-context: a\ncontexts:\n- name: a\n  context: {namespace: first}\n',
      );
      const two = dir.file(
        'two',
        'current-context: b\ncontexts:\n- name: a\n  context: {namespace: second}\n- name: b\n  context: {namespace: bee}\n',
      );
      const info = await readContextInfo({}, { KUBECONFIG: `${one}:${two}` });
      expect(info).to.deep.include({ context: 'a', namespace: 'first', contexts: ['a', 'b'] });
      expect(
        (await readContextInfo({ context: 'b' }, { KUBECONFIG: `${one}:${two}` })).namespace,
      ).to.equal('bee');
    });

    it('names an unreadable explicit kubeconfig', async () => {
      try {
        await readContextInfo({ kubeconfig: `${dir.path}/nope` }, {});
        expect.fail('expected an error');
      } catch (err) {
        expect((err as Error).message).to.match(/^cannot read kubeconfig .*nope: ENOENT/);
      }
    });

    it('parses --request-timeout like kubectl', () => {
      expect(parseRequestTimeout('0')).to.equal(0);
      expect(parseRequestTimeout('15')).to.equal(15_000);
      expect(parseRequestTimeout('1m30s')).to.equal(90_000);
      expect(parseRequestTimeout('250ms')).to.equal(250);
      expect(() => parseRequestTimeout('1x')).to.throw(/invalid --request-timeout/);
      expect(() => parseRequestTimeout('')).to.throw(/invalid --request-timeout/);
      expect(() => parseRequestTimeout('s')).to.throw(/invalid --request-timeout/);
    });
  });
});
