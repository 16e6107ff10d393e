// The lab scenario catalogue (www/lab/scenarios.json) and how a page fires
// one scenario for real. Used by the capture script and the end-to-end test.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fill, scenarioUrl, requestOf, fireInPage, PAGE_KINDS } from '../../www/lab/scenario.js';

// fireInPage runs in the page (passed to page.evaluate): it lives beside the
// catalogue so the lab page fires the same way.
export { fill, scenarioUrl, requestOf, fireInPage, PAGE_KINDS };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCENARIOS_FILE = path.join(ROOT, 'www/lab/scenarios.json');

/** Reads the catalogue: {scenarios: [...]} (a bare array is accepted too). */
export function loadScenarios(file = SCENARIOS_FILE) {
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  return Array.isArray(data) ? data : data.scenarios;
}

/**
 * The lab's three origins for a set of ports.
 * @returns {{page: string, api: string, other: string, pagePort, apiPort, otherPort}}
 */
export function labOrigins({ pagePort, apiPort, otherPort, host = '127.0.0.1' }) {
  return {
    page: `http://${host}:${pagePort}`,
    api: `http://${host}:${apiPort}`,
    other: `http://${host}:${otherPort}`,
    pagePort,
    apiPort,
    otherPort,
    host,
  };
}

/** The page a scenario fires from (the lab page origin unless `from` says otherwise). */
export function scenarioPage(scenario, origins, tag, defaultPage) {
  if (scenario.from) return fill(scenario.from, origins, tag);
  return defaultPage ?? `${origins.page}/`;
}
