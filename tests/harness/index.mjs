// The shared test harness: real headless Chromium and Firefox ESR, the
// browsers' own CORS verdicts, HAR export, the lab scenario catalogue.
export { launchChromium, launchFirefox, launch, CHROMIUM_FLAGS, stableUuid, puppeteer } from './browsers.mjs';
export { browserVerdicts, tagOf, FIREFOX_WARNING_KEYS } from './verdicts.mjs';
export { CdpHarRecorder, parseHeadersText } from './har.mjs';
export { loadScenarios, labOrigins, fill, scenarioUrl, scenarioPage, requestOf, fireInPage } from './scenarios.mjs';
export { startLab, freePorts } from './lab.mjs';
