import { describe, expect, it } from 'vitest';
import { HelmRenderer } from '../support/helm-template.js';
import type { K8sObject } from '../support/k8s-checks.js';

const CHART = 'deploy/helm/captcha-cluster';
const render = (source: string, dot: unknown = {}, cluster: K8sObject[] = []) => new HelmRenderer(CHART, cluster).renderText(source, dot);

describe('the Go-template renderer the chart is checked with', () => {
  it('ranges over a list in its order and over a map in Go\'s sorted key order', () => {
    const items = Array.from({ length: 12 }, (_, i) => `item${i}`);
    expect(render('{{ range $i, $item := .items }}{{ $i }}={{ $item }} {{ end }}', { items })).toBe(items.map((item, i) => `${i}=${item} `).join(''));
    expect(render('{{ range .items }}{{ . }},{{ end }}', { items })).toBe(`${items.join(',')},`);
    // Go sorts string keys byte by byte: "10" before "2", "B" before "a".
    const map = { '2': 'two', '10': 'ten', a: 'lower', B: 'upper' };
    expect(render('{{ range $key, $value := .map }}{{ $key }}:{{ $value }} {{ end }}', { map })).toBe('10:ten 2:two B:upper a:lower ');
    expect(render('{{ range $value := .map }}{{ $value }} {{ end }}', { map })).toBe('ten two upper lower ');
    expect(render('[{{ range .missing }}x{{ end }}]')).toBe('[]');
  });

  it('ranges over a list of more than ten items by index, never in string order ("10" before "2")', () => {
    const items = Array.from({ length: 11 }, (_, i) => ({ name: `n${i}` }));
    expect(render('{{ range $i, $item := .items }}{{ $i }}:{{ $item.name }},{{ end }}', { items })).toBe(items.map((item, i) => `${i}:${item.name},`).join(''));
    expect(render('{{ toYaml .items }}', { items })).toBe(items.map((item) => `- name: ${item.name}`).join('\n'));
  });

  it('hashes, marshals and builds values as Sprig and Helm do', () => {
    // sha256sum is the hex digest of the text; toJson and toYaml sort map keys, as Go's encoders do.
    expect(render('{{ "abc" | sha256sum }}')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(render('{{ toJson .m }}|{{ toJson .missing }}', { m: { b: [1, 'x'], a: { d: true, c: null } } })).toBe('{"a":{"c":null,"d":true},"b":[1,"x"]}|null');
    expect(render('{{ toYaml .m }}', { m: { b: 1, a: '2' } })).toBe('a: "2"\nb: 1');
    expect(render('{{ toYaml .missing }}')).toBe('null');
    expect(render('{{ $d := dict "a" 1 "b" "x" }}{{ $_ := set $d "c" true }}{{ toJson $d }} {{ hasKey $d "c" }} {{ hasKey $d "z" }}')).toBe('{"a":1,"b":"x","c":true} true false');
    expect(render('{{ join "," .l }}|{{ list "a" "b" | join "-" }}|{{ join "," .missing }}|{{ "  x y \\n" | trim }}', { l: ['h:1', 'h:2'] })).toBe('h:1,h:2|a-b||x y');
    // set changes the map it is given, so a value decided once is seen by every later template.
    const shared = { values: {} as Record<string, unknown> };
    render('{{ $_ := set .values "k" "v" }}', shared);
    expect(shared.values).toEqual({ k: 'v' });
  });

  it('scopes variables as Go does: := declares in its block, = assigns the one outside', () => {
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ $y := "c" }}{{ end }}{{ $x }}')).toBe('b');
    expect(() => render('{{ if true }}{{ $y := "c" }}{{ end }}{{ $y }}')).toThrow(/undefined variable \$y/);
    expect(() => render('{{ $never = "x" }}')).toThrow(/undefined variable \$never/);
    expect(render('{{ range $item := .items }}{{ $.name }}{{ $item }}{{ end }}', { name: 'n', items: [1, 2] })).toBe('n1n2');
  });

  it('stops and/or at the argument that decides, so a guarded index of nothing is never evaluated', () => {
    const source = '{{ $m := .m }}{{ if and $m (index $m.data "k") }}yes{{ else }}no{{ end }}';
    expect(render(source, { m: {} })).toBe('no');
    expect(render(source, { m: { data: { k: 'v' } } })).toBe('yes');
    expect(render('{{ or "" "b" "c" }}{{ and 1 0 2 }}{{ "x" | or "" }}')).toBe('b0x');
    expect(() => render('{{ index .m.data "k" }}', { m: {} })).toThrow(/index of untyped nil/);
  });

  it('finds nothing with lookup offline, and the given object when there is one', () => {
    const source = '{{ $s := lookup "v1" "Secret" "ns" "s" }}{{ if $s }}{{ index $s.data "k" | b64dec }}{{ else }}none{{ end }}';
    expect(render(source)).toBe('none');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { k: Buffer.from('found').toString('base64') } };
    expect(render(source, {}, [secret])).toBe('found');
    expect(render(source, {}, [{ ...secret, metadata: { name: 's', namespace: 'other' } } as K8sObject])).toBe('none');
  });

  it('encodes base64 and makes random letters and digits', () => {
    expect(render('{{ "pass word" | b64enc }} {{ "cGFzcyB3b3Jk" | b64dec }}')).toBe('cGFzcyB3b3Jk pass word');
    expect(() => render('{{ "not base64!" | b64dec }}')).toThrow(/not base64/);
    const made = render('{{ randAlphaNum 64 }}');
    expect(made).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(render('{{ randAlphaNum 64 }}')).not.toBe(made);
  });

  it('throws on anything it does not support instead of passing it through', () => {
    expect(() => render('{{ with .x }}{{ end }}', { x: 1 })).toThrow();
    expect(() => render('{{ range .items }}{{ else }}empty{{ end }}', { items: [] })).toThrow(/unsupported \{\{ else \}\} in range/);
    expect(() => render('{{ tpl "x" . }}')).toThrow();
    expect(() => render('{{ sha256sum 1 }}')).toThrow(/sha256sum wants a string/);
    expect(() => render('{{ dict "a" }}')).toThrow(/pairs/);
    expect(() => render('{{ .m }}', { m: { a: 1 } })).toThrow(/cannot print/);
    expect(() => render('{{ range .s }}{{ end }}', { s: 'text' })).toThrow(/can't iterate/);
    expect(() => render('{{ lookup "v1" "Secret" "ns" "" }}')).toThrow(/lookup/);
  });
});
