// Launchers for the real headless browsers, shared by the capture script, the
// end-to-end lab test and the extension tests.
//
//   launchChromium({extensionDir?, devtools?, args?}) -> Launched
//   launchFirefox({extensionDir?, prefs?, systemAccess?}) -> Launched
//   Launched = { browser, name: 'chromium'|'firefox', version, extensionId,
//                extensionUuid, extensionOrigin, close() }
//
// Chromium is driven over CDP (pipe), Firefox ESR over WebDriver BiDi, both
// with puppeteer-core; nothing is ever downloaded.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

process.env.PUPPETEER_SKIP_DOWNLOAD = '1';


let puppeteerModule = null;
export async function puppeteer() {
  if (!puppeteerModule) {
    const mod = await import('puppeteer-core');
    puppeteerModule = mod.default ?? mod;
  }
  return puppeteerModule;
}

export const CHROMIUM_PATH = process.env.WHYCORS_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.WHYCORS_FIREFOX ?? '/usr/bin/firefox-esr';

/** The flags every Chromium launch needs here (root, no GPU, no background traffic). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function readManifest(extensionDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** A stable UUID derived from a string (so moz-extension:// URLs are the same every run). */
export function stableUuid(seed) {
  const h = crypto.createHash('sha256').update(String(seed)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Launches headless Chromium 156.
 * @param {{extensionDir?: string, devtools?: boolean, args?: string[], headless?: boolean}} opts
 */
export async function launchChromium(opts = {}) {
  const pptr = await puppeteer();
  const args = [...CHROMIUM_FLAGS, ...(opts.args ?? [])];
  if (opts.devtools) args.push('--auto-open-devtools-for-tabs');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-chromium-'));
  const browser = await pptr.launch({
    browser: 'chrome',
    executablePath: CHROMIUM_PATH,
    headless: opts.headless ?? true,
    pipe: true,
    userDataDir,
    enableExtensions: Boolean(opts.extensionDir),
    args,
  });
  let extensionId = null;
  if (opts.extensionDir) extensionId = await browser.installExtension(path.resolve(opts.extensionDir));
  const version = (await browser.version()).replace(/^[^/]*\//, '');
  return {
    browser,
    name: 'chromium',
    version,
    extensionId,
    extensionUuid: null,
    extensionOrigin: extensionId ? `chrome-extension://${extensionId}` : null,
    userDataDir,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches headless Firefox ESR 153 over WebDriver BiDi.
 * @param {{extensionDir?: string, prefs?: object, systemAccess?: boolean, uuid?: string, acceptInsecureCerts?: boolean}} opts
 *   prefs: extra about:config prefs (e.g. {'content.cors.disable': true});
 *   acceptInsecureCerts: WebDriver's capability (certificates Firefox does not trust are accepted);
 *   args: extra command-line arguments (e.g. `-devtools`);
 *   systemAccess: pass --remote-allow-system-access (default true: to read the console
 *   service in a chrome context, and to open moz-extension:// pages).
 */
export async function launchFirefox(opts = {}) {
  const pptr = await puppeteer();
  const prefs = { ...(opts.prefs ?? {}) };
  let geckoId = null;
  let extensionUuid = null;
  if (opts.extensionDir) {
    const manifest = readManifest(opts.extensionDir);
    geckoId = manifest?.browser_specific_settings?.gecko?.id ?? manifest?.applications?.gecko?.id ?? null;
    if (geckoId) {
      extensionUuid = opts.uuid ?? stableUuid(`whycors:${geckoId}`);
      prefs['extensions.webextensions.uuids'] = JSON.stringify({ [geckoId]: extensionUuid });
    }
  }
  const args = [...(opts.args ?? [])];
  // System access lets the harness read Firefox's console service (the
  // message categories, warnings) in a chrome context, and open moz-extension:// pages.
  if (opts.systemAccess ?? true) args.push('--remote-allow-system-access');
  const browser = await pptr.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: opts.headless ?? true,
    args,
    extraPrefsFirefox: prefs,
    // WebDriver's acceptInsecureCerts: trust the harness's self-signed certificate (tls.mjs).
    ...(opts.acceptInsecureCerts ? { acceptInsecureCerts: true } : {}),
  });
  let extensionId = null;
  if (opts.extensionDir) extensionId = await browser.installExtension(path.resolve(opts.extensionDir));
  const version = (await browser.version()).replace(/^[^/]*\//, '');
  return {
    browser,
    name: 'firefox',
    version,
    extensionId,
    extensionUuid,
    extensionOrigin: extensionUuid ? `moz-extension://${extensionUuid}` : null,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Launches by name ('chromium' | 'firefox'). */
export function launch(name, opts = {}) {
  if (name === 'chromium') return launchChromium(opts);
  if (name === 'firefox') return launchFirefox(opts);
  throw new Error(`unknown browser ${name}`);
}
