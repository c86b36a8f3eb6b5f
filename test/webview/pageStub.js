// Injected into each panel page before its own script (playwright's addInitScript, which runs
// outside the page's content security policy): what VS Code's webview host provides, plus probes
// the tests call. `config` ({ state, variables, bodyClass }) is defined just before this text.
/* global config */
(() => {
  const posted = [];
  let saved = config.state;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => posted.push(JSON.parse(JSON.stringify(message))),
    getState: () => saved,
    setState: (state) => {
      saved = JSON.parse(JSON.stringify(state));
    },
  });

  // VS Code sets the theme's colours as variables on <html> and its class on <body>, before the
  // page's scripts run. This script runs before <html> exists: watch the document being parsed.
  let styled = false;
  const dress = () => {
    if (!styled && document.documentElement) {
      for (const [name, value] of Object.entries(config.variables)) document.documentElement.style.setProperty(name, value);
      styled = true;
    }
    if (!document.body) return false;
    document.body.classList.add(config.bodyClass);
    return true;
  };
  if (!dress()) {
    const observer = new MutationObserver(() => dress() && observer.disconnect());
    observer.observe(document, { childList: true, subtree: true });
  }
  document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));

  const chart = (name) => {
    const c = window.patchwiseCharts && window.patchwiseCharts[name];
    if (!c) throw new Error(`no chart '${name}' on the page`);
    return c;
  };

  window.patchwiseTest = {
    posted: () => posted,
    state: () => saved,
    /** Switches the theme as VS Code does: new variables, new body class. */
    setTheme(variables, bodyClass) {
      for (const [name, value] of Object.entries(variables)) document.documentElement.style.setProperty(name, value);
      document.body.className = bodyClass;
    },
    frames: () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    chartArea: (name) => ({ ...chart(name).chartArea }),
    legend: (id) => [...document.querySelectorAll(`#${id} .legend-item`)].map((e) => e.textContent),
    axisTitles: (name) => Object.fromEntries(Object.entries(chart(name).options.scales).map(([id, s]) => [id, s.title && s.title.text])),
    ticks: (name, axis) => chart(name).scales[axis].ticks.map((t) => String(t.label)),
    datasetLabels: (name) => chart(name).data.datasets.map((d) => d.label),
    /** Page coordinates of element `index` of dataset `dataset`. */
    pointAt(name, dataset, index) {
      const c = chart(name);
      const element = c.getDatasetMeta(dataset).data[index];
      const box = c.canvas.getBoundingClientRect();
      return { x: box.left + element.x, y: box.top + element.y };
    },
    /** Pixels of a canvas's rectangle (CSS px; the whole canvas by default) that are drawn, and drawn in colour. */
    inked(canvasId, area) {
      const canvas = document.getElementById(canvasId);
      const box = canvas.getBoundingClientRect();
      const ratio = canvas.width / box.width;
      const a = area || { left: 0, top: 0, right: box.width, bottom: box.height };
      const [x, y, w, h] = [a.left, a.top, a.right - a.left, a.bottom - a.top].map((v) => Math.round(v * ratio));
      const pixels = canvas.getContext('2d').getImageData(x, y, w, h).data;
      let inked = 0;
      let colored = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] === 0) continue; // a canvas is transparent where nothing is drawn
        inked++;
        // Data marks use the theme's chart colours; grid lines and text are grey.
        const spread = Math.max(pixels[i], pixels[i + 1], pixels[i + 2]) - Math.min(pixels[i], pixels[i + 1], pixels[i + 2]);
        if (spread > 60 && pixels[i + 3] > 60) colored++;
      }
      return { total: w * h, inked, colored };
    },
  };
})();
