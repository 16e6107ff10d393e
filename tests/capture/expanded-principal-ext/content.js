// Makes the request the page posts ({whycorsContentScript: {kind, url, method}})
// from the content script, and posts back what the content script saw.
window.addEventListener('message', async (ev) => {
  const req = ev.data?.whycorsContentScript;
  if (!req) return;
  const out = { rejected: null, error: null, status: null };
  if (req.kind === 'xhr') {
    await new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open(req.method || 'GET', req.url);
      x.onload = () => { out.rejected = false; out.status = x.status; resolve(); };
      x.onerror = () => { out.rejected = true; out.error = 'error event'; resolve(); };
      x.send();
    });
  } else {
    try {
      const r = await fetch(req.url, { method: req.method || 'GET' });
      out.rejected = false;
      out.status = r.status;
    } catch (e) {
      out.rejected = true;
      out.error = `${e.name}: ${e.message}`;
    }
  }
  window.postMessage({ whycorsContentScriptResult: out }, '*');
});
