// The browser side of the test bridge: window.aeimg with the same methods as the preload, over HTTP.
(() => {
  const fromWire = (v) => {
    if (Array.isArray(v)) return v.map(fromWire);
    if (v && typeof v === 'object') {
      if (v.__typed) {
        const bytes = Uint8Array.from(atob(v.b64), (c) => c.charCodeAt(0));
        return v.__typed === 'u16' ? new Uint16Array(bytes.buffer) : bytes;
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
    }
    return v;
  };
  const bytesToBase64 = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  // A Uint8Array argument (a view's PNG) travels as the server's wire form, which it decodes back into one.
  const toWire = (v) => (v instanceof Uint8Array ? { __typed: 'u8', b64: bytesToBase64(v) } : v);
  const call = async (channel, ...args) => {
    while (args.length && args[args.length - 1] === undefined) args.pop();
    const r = await fetch('/api/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, args: args.map(toWire) }) });
    const out = await r.json();
    if (!r.ok) throw new Error(out.error);
    return fromWire(out.value);
  };
  const listeners = { 'files:progress': new Set(), 'files:open-request': new Set() };
  const events = new EventSource('/api/events');
  events.onmessage = (e) => {
    const { channel, payload } = JSON.parse(e.data);
    for (const l of listeners[channel] ?? []) l(payload);
  };
  const listen = (channel) => (l) => { listeners[channel].add(l); return () => listeners[channel].delete(l); };
  const toBase64 = async (file) => bytesToBase64(new Uint8Array(await file.arrayBuffer()));
  window.aeimg = {
    app: { info: () => call('app:info') },
    files: {
      pathsOf: async (files) => {
        const out = [];
        for (const f of files) {
          const r = await fetch('/api/upload', { method: 'POST', body: JSON.stringify({ name: f.name, data: await toBase64(f) }) });
          out.push((await r.json()).path);
        }
        return out;
      },
      expand: (p) => call('files:expand', p),
      ctChecks: (p, ct) => call('files:ct-checks', p, ct),
      chooseInputs: () => call('files:choose-inputs'),
      chooseFolder: () => call('files:choose-folder'),
      encrypt: (req) => call('files:encrypt', req),
      estimateStudy: (req) => call('files:estimate-study', req),
      encryptStudy: (req) => call('files:encrypt-study', req),
      cancel: (id) => call('files:cancel', id),
      confirm: (id, i, w) => call('files:confirm', id, i, w),
      onProgress: listen('files:progress'),
      received: (p) => call('files:received', p),
      open: (p, pass) => call('files:open', p, pass),
      image: (id, i, d) => call('files:image', id, i, d),
      attributes: (id, i) => call('files:attributes', id, i),
      save: (id, i, f) => call('files:save', id, i, f), // where: the test shell's save dialog answers
      saveView: (id, i, png) => call('files:save-view', id, i, png),
      saveReport: (id, n) => call('files:save-report', id, n),
      reportPdf: (id, n) => call('files:report-pdf', id, n),
      exportAll: (id, f) => call('files:export-all', id, f), // where: the test shell's folder dialog answers
      preview: (req) => call('files:preview', req),
      previewWindow: (req, window) => call('files:preview-window', req, window),
      reveal: (p) => call('files:reveal', p),
      onOpenRequest: listen('files:open-request'),
    },
    keys: {
      list: () => call('keys:list'),
      create: (n) => call('keys:create', n),
      remove: (n) => call('keys:remove', n),
      exportKey: (n, pass) => call('keys:export', n, pass),
      importKey: (p, pass, n) => call('keys:import', p, pass, n),
      addContact: (p, n) => call('keys:add-contact', p, n),
      myCard: () => call('keys:my-card'),
    },
    settings: { get: () => call('settings:get'), set: (patch) => call('settings:set', patch) },
  };
})();
