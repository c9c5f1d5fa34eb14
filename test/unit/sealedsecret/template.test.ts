import { expect } from 'chai';
import { renderTemplate, TemplateError } from '../../../controller/sealedsecret/template.js';

const values = new Map<string, Buffer>([
  ['user', Buffer.from('alice')],
  ['pass-word', Buffer.from('p@ss')],
  ['bin', Buffer.from([0xff, 0x00])],
]);
const render = (t: string): string => renderTemplate(t, 'k', values).toString('latin1');

describe('template renderer (the supported subset)', () => {
  it('substitutes {{ .key }} and {{ index . "key" }}, keeps literal text', () => {
    expect(render('postgres://{{ .user }}:{{ index . "pass-word" }}@db')).to.equal(
      'postgres://alice:p@ss@db',
    );
    expect(render('{{.user}}{{ index . `pass-word` }}')).to.equal('alicep@ss');
    expect(render('no actions')).to.equal('no actions');
  });

  it('keeps binary values byte for byte', () => {
    expect([...renderTemplate('{{ .bin }}', 'k', values)]).to.deep.equal([0xff, 0x00]);
  });

  it('trims whitespace with {{- and -}} as Go does', () => {
    expect(render('a  \n {{- .user -}} \n  b')).to.equal('aaliceb');
  });

  const rejected = [
    '{{ env "HOME" }}',
    '{{ expandenv "$HOME" }}',
    '{{ getHostByName "example.com" }}',
    '{{ if eq .user "alice" }}x{{ end }}',
    '{{ .user | upper }}',
    '{{ $x := .user }}',
    '{{/* comment */}}',
    '{{ . }}',
    '{{ .user.name }}',
  ];
  for (const t of rejected) {
    it(`rejects ${t}`, () => {
      expect(() => render(t)).to.throw(TemplateError, 'unsupported template action');
    });
  }

  it('names a missing key instead of printing <no value>', () => {
    expect(() => render('{{ .nope }}')).to.throw(TemplateError, 'template.data.k refers to "nope"');
  });

  it('rejects an unclosed action', () => {
    expect(() => render('{{ .user')).to.throw(TemplateError, 'unclosed action');
  });
});
