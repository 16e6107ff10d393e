// Prints the last run's results (target/servers/report.json) as Markdown
// tables, per stack: what each browser reported, what whycors named, its
// hints and findings, and whether its snippet fixed the server.
//   node tests/servers/report.mjs > /tmp/servers.md
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const r = JSON.parse(fs.readFileSync(path.join(ROOT, 'target/servers/report.json'), 'utf8'));
const data = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/servers/cases.json'), 'utf8'));
const B = ['chromium', 'firefox'];
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|');
const out = [];
out.push(`Browsers: ${Object.entries(r.browsers).map(([b, v]) => `${b} ${v}`).join(', ')}. Verified live: ${r.verified.join(', ')}.`, '');
for (const [s, st] of Object.entries(data.stacks)) {
  out.push(`### ${s}: ${st.label} (${r.versions[s] ?? 'not installed'})`, '');
  out.push('| case | class | Chromium reports | Firefox reports | whycors names it | snippet first | hints / findings | whycors\' snippet applied |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const c of st.cases) {
    const x = r.cases[`${s}/${c.id}`];
    if (!x) continue;
    if (c.class === 'refused') {
      out.push(`| ${c.id}${c.stackSpecific ? ' *' : ''} | refused | — | — | — | — | — | the library refuses to start (exit ${x.refused?.code}): ${cell(c.refusal)} |`);
      continue;
    }
    const a = x.asFound;
    const says = (b) => a[b]?.browser ?? `allowed${a[b]?.page?.status ? ` (${a[b].page.status})` : ''}`;
    const namedOk = B.map((b) => {
      const w = a[b]?.whycors;
      if (!a[b]?.browser) return w?.verdict;
      if (w?.name === a[b].browser) return 'yes';
      if (w?.alternatives?.includes(a[b].browser)) return `as an alternative (first: ${w.name})`;
      return `no (${w?.name})`;
    }).join(' / ');
    const first = [...new Set(B.map((b) => a[b]?.first ?? '—'))].join(' / ');
    const hf = [...new Set(B.flatMap((b) => [...(a[b]?.hints ?? []), ...(a[b]?.findings ?? [])]))].join(', ') || '—';
    let fixed = '—';
    if (x.fixes) {
      fixed = Object.entries(x.fixes).map(([id, f]) => {
        const res = f.browsers.map((b) => `${b}: ${x.fixed[b]?.browser ? `still ${x.fixed[b].browser}` : `allowed (${x.fixed[b]?.page?.status})`}`).join(', ');
        return `${res}${f.layerFixes?.length ? ` (+ ${f.layerFixes.join(', ')})` : ''}${f.weakened?.length ? `; WEAKENED: ${f.weakened.join('; ')}` : '; nothing weakened'}`;
      }).join('; ');
    } else if (c.class === 'blocked') fixed = 'no snippet for this stack';
    else if (c.class === 'passes-insecure') fixed = 'no fix offered (no security finding: one exchange cannot show the echo)';
    out.push(`| ${c.id}${c.stackSpecific ? ' *' : ''} | ${c.class} | ${cell(says('chromium'))} | ${cell(says('firefox'))} | ${namedOk} | ${cell(first)} | ${cell(hf)} | ${cell(fixed)} |`);
  }
  out.push('');
}
console.log(out.join('\n'));
