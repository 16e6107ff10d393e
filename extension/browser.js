// The one place where Chromium and Firefox differ for whycors' extension
// pages and background: the API namespace, the browser's name for the
// engine, and a few feature checks. No polyfill: both browsers' `browser` /
// `chrome` objects return promises in Manifest V3.

export const api = globalThis.browser ?? globalThis.chrome;

/** `firefox` or `chromium`: the engine's name for the browser we run in. */
export const browserName = api.runtime.getURL('').startsWith('moz-extension:') ? 'firefox' : 'chromium';
export const isFirefox = browserName === 'firefox';

/** Chromium's `extraHeaders` extraInfoSpec value, when this browser has it. */
export function extraHeadersSupported() {
  const spec = api.webRequest?.OnBeforeSendHeadersOptions;
  return !!spec && Object.values(spec).includes('extraHeaders');
}

/** A localised UI string (`_locales/<lang>/messages.json`); the id itself if missing. */
export function t(id, subs) {
  try {
    return api.i18n.getMessage(id, subs) || id;
  } catch {
    return id;
  }
}

/** Fills every `[data-i18n]` element's text (and `data-i18n-title`, `data-i18n-placeholder`). */
export function localize(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

/** True when `sender` is one of this extension's own pages (not a content script). */
export function isOwnPage(sender) {
  if (!sender || sender.id !== api.runtime.id) return false;
  const base = api.runtime.getURL('');
  return typeof sender.url === 'string' && sender.url.startsWith(base);
}
