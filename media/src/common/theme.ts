// Chart colours from the VS Code theme. VS Code sets its colours as CSS variables on the page and a
// class on <body> (vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light), and
// changes both in place when the user switches themes; canvases do not follow CSS, so the charts
// read the variables here and are redrawn when they change.

export interface Theme {
  kind: 'light' | 'dark' | 'highContrast';
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  focus: string;
  fontFamily: string;
  fontSize: number;
  /** Budget lines and things over budget. */
  danger: string;
  /** The patch stage's band. */
  stage: string;
  palette: { blue: string; green: string; purple: string; orange: string; yellow: string; red: string };
  /** Line width for outlines: wider in high contrast. */
  lineWidth: number;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const classes = document.body.classList;
  const kind = classes.contains('vscode-high-contrast') || classes.contains('vscode-high-contrast-light') ? 'highContrast' : classes.contains('vscode-light') ? 'light' : 'dark';
  const light = kind === 'light' || classes.contains('vscode-high-contrast-light');
  const foreground = cssVar('--vscode-foreground', light ? '#3b3b3b' : '#cccccc');
  const palette = {
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
  };
  return {
    kind,
    foreground,
    muted: cssVar('--vscode-descriptionForeground', foreground),
    background: cssVar('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    grid: withAlpha(cssVar('--vscode-charts-lines', foreground), kind === 'highContrast' ? 0.6 : 0.25),
    focus: cssVar('--vscode-focusBorder', palette.blue),
    fontFamily: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar('--vscode-font-size', '13')) || 13,
    danger: cssVar('--vscode-errorForeground', palette.red),
    stage: withAlpha(palette.orange, kind === 'highContrast' ? 0.22 : 0.1),
    palette,
    lineWidth: kind === 'highContrast' ? 2 : 1,
  };
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * `color` at opacity `alpha`. The canvas normalises any CSS colour (hex, rgb(), a named colour) to
 * `#rrggbb` or `rgba(…)`, so whatever form the theme uses, the alpha can be applied.
 */
export function withAlpha(color: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const normal = String(probe.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(normal);
  return rgba ? `rgba(${rgba[1].trim()}, ${rgba[2].trim()}, ${rgba[3].trim()}, ${alpha})` : color;
}

/** Calls `redraw` when VS Code changes the theme (the body class or the variables on <html>). */
export function onThemeChange(redraw: () => void): void {
  let pending = 0;
  const observer = new MutationObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(redraw);
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
