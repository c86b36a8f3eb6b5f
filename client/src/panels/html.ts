import { randomBytes } from 'crypto';
import type { PanelKind } from './messages';

// The page of each panel: a static skeleton whose only script is the panel's bundle (media/dist/),
// admitted by a fresh nonce under a policy that allows nothing else. The same function builds the
// page for VS Code and for the headless-browser tests, so the tests run the policy users get.

export interface PanelPage {
  kind: PanelKind;
  title: string;
  /** `webview.cspSource`: the origin the webview serves media/ from. */
  cspSource: string;
  /** URIs (as the webview sees them) of the panel's bundle and of media/panels.css. */
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

/** Bundle file name in media/dist/ for each panel. */
export const panelScripts: Record<PanelKind, string> = {
  memory: 'memoryPanel.js',
  overlap: 'overlapPanel.js',
  schedules: 'schedulePanel.js',
};

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * `default-src 'none'`: no fetches, frames, images, fonts or media from anywhere; styles only from
 * media/ and scripts only with the nonce. Chart.js sets element styles through the CSSOM, which the
 * policy does not govern, so no 'unsafe-inline' is needed.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

export function panelHtml(page: PanelPage): string {
  const nonce = page.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escape(contentSecurityPolicy(page.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escape(page.styleUri)}">
<title>${escape(page.title)}</title>
</head>
<body data-panel="${page.kind}">
<header>
  <h1 id="title">${escape(page.title)}</h1>
  <p id="summary" class="summary"></p>
  <p id="problem" class="problem" role="alert" hidden></p>
${page.kind === 'memory' ? onnxModelHeader : ''}</header>
<main>
${bodies[page.kind]}
</main>
${page.kind === 'memory' ? graphSection : ''}<script nonce="${nonce}" src="${escape(page.scriptUri)}"></script>
</body>
</html>
`;
}

/** The memory page as the .onnx editor (hidden until the host sends 'onnxModel'). */
const onnxModelHeader = `  <div id="onnxActions" class="controls" hidden><button id="createScheduleFile" type="button">Create schedule file</button></div>
  <form id="inputForm" class="controls" hidden><label>Input height <input id="inputH" type="number" min="1" max="8192" required></label>
    <label>width <input id="inputW" type="number" min="1" max="8192" required></label> <button type="submit">Analyse at this size</button></form>
  <p id="note" class="info" hidden></p>
  <ul id="diagnostics" class="diagnostics" hidden></ul>
`;

/**
 * The .onnx editor's graph view (media/src/common/graphView.ts), outside <main>: an import with
 * errors has no chart, and the graph is then what the page shows.
 */
const graphSection = `<section id="graphSection" class="graph" hidden>
  <h2>Graph</h2>
  <p id="graphInfo" class="info"></p>
  <div id="graphLegend" class="legend"><span class="legend-item" data-key="imported"><span class="swatch graph-key imported"></span>block</span>
    <span class="legend-item" data-key="stage"><span class="swatch graph-key stage"></span>patch stage of the schedule</span>
    <span class="legend-item" data-key="split"><span class="swatch line graph-key split"></span>a patch stage may end here</span>
    <span class="legend-item" data-key="failed"><span class="swatch graph-key failed"></span>could not be imported</span>
    <span class="legend-item" data-key="notImported"><span class="swatch graph-key notImported"></span>not imported</span></div>
  <div id="graph" class="graph-scroll"></div>
</section>
`;

const bodies: Record<PanelKind, string> = {
  memory: `  <div class="controls">
    <label>Show <select id="view">
      <option value="both">layer by layer and scheduled</option>
      <option value="scheduled">with the schedule</option>
      <option value="layerByLayer">layer by layer</option>
    </select></label>
    <span class="hint">Click a bar to go to its line.</span>
  </div>
  <div id="memoryLegend" class="legend"></div>
  <section class="chart tall"><canvas id="memoryChart" role="img" aria-label="Live SRAM per layer"></canvas></section>
  <section class="chart short"><canvas id="flashChart" role="img" aria-label="Flash used by the weights"></canvas></section>`,
  overlap: `  <div class="controls" id="runControls" hidden>
    <label>Stage <select id="run"></select></label>
  </div>
  <div class="controls">
    <label for="tensor">Tensor</label>
    <input id="tensor" type="range" min="0" max="0" value="0">
    <span id="tensorLabel" class="value"></span>
  </div>
  <section class="regions">
    <canvas id="regionsCanvas" role="img" aria-label="Patch regions drawn to scale"></canvas>
    <p id="patchInfo" class="info" aria-live="polite"></p>
  </section>
  <div id="regionsLegend" class="legend" hidden></div>
  <div id="rfLegend" class="legend"></div>
  <section class="chart"><canvas id="rfChart" role="img" aria-label="Receptive field and recomputation per layer"></canvas></section>`,
  schedules: `  <div class="controls">
    <label>Vertical axis <select id="yAxis">
      <option value="macs">MACs</option>
      <option value="overhead">MAC overhead (%)</option>
    </select></label>
    <label>Range <select id="range">
      <option value="front">around the Pareto front</option>
      <option value="all">every schedule</option>
    </select></label>
    <span class="hint">Click a point to write that schedule into the model (undo with Ctrl+Z).</span>
  </div>
  <div id="scatterLegend" class="legend"></div>
  <section class="chart tall"><canvas id="scatterChart" role="img" aria-label="Peak SRAM against MACs of every schedule"></canvas></section>
  <section class="front">
    <h2>Pareto front</h2>
    <table id="front"><thead><tr><th>schedule</th><th>peak</th><th>MACs</th><th>overhead</th><th></th></tr></thead><tbody></tbody></table>
  </section>`,
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
