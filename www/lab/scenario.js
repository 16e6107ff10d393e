// How a scenario of www/lab/scenarios.json becomes a request: the one place
// shared by the lab page (www/lab.js) and the test harness
// (tests/harness/scenarios.mjs). Plain ESM, no DOM and no Node APIs.

/**
 * Fills the scenario placeholders: {page} {api} {other} (origins),
 * {pagePort} {apiPort} {otherPort}, {host}, {tag}. `{origin}` is left for the
 * lab server (it reflects the request's Origin).
 */
export function fill(s, origins, tag) {
  return String(s)
    .replaceAll('{pagePort}', String(origins.pagePort))
    .replaceAll('{apiPort}', String(origins.apiPort))
    .replaceAll('{otherPort}', String(origins.otherPort))
    .replaceAll('{host}', origins.host)
    .replaceAll('{page}', origins.page)
    .replaceAll('{api}', origins.api)
    .replaceAll('{other}', origins.other)
    .replaceAll('{tag}', tag);
}

/** The URL a scenario's request goes to (the api origin unless `target` says otherwise). */
export function scenarioUrl(scenario, origins, tag) {
  if (scenario.url) return fill(scenario.url, origins, tag);
  const base = fill(scenario.target ?? '{api}', origins, tag);
  const server = fill(scenario.server ?? '', origins, tag);
  const t = `tag=${encodeURIComponent(tag)}`;
  return `${base}/api/${encodeURIComponent(scenario.id)}?${server ? `${server}&${t}` : t}`;
}

/** The request a scenario describes, with defaults filled in. */
export function requestOf(scenario) {
  const r = scenario.request ?? {};
  return {
    kind: r.kind ?? 'fetch',
    method: r.method ?? 'GET',
    headers: r.headers ?? {},
    credentials: r.credentials ?? (r.kind === 'xhr' ? 'omit' : r.kind === 'fetch' || !r.kind ? 'same-origin' : 'omit'),
    mode: r.mode ?? 'cors',
    ...(r.targetAddressSpace ? { targetAddressSpace: r.targetAddressSpace } : {}),
    ...(r.redirect ? { redirect: r.redirect } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
  };
}
