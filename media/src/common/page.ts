import { Chart } from 'chart.js';
import type { PanelData } from '../../../server/src/core/services/panelTypes';
import { Theme } from './theme';

// What every panel page does around its charts: the header lines, the message shown instead of a
// chart when there is nothing to draw, and the chart defaults taken from the theme.

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** The header: title, one summary line, and the problem (if any) as an alert. */
export function showHeader(title: string, summary: string, problem: string | null): void {
  setText('title', title);
  setText('summary', summary);
  const alert = byId('problem');
  alert.textContent = problem ?? '';
  alert.hidden = !problem;
}

/** Hides the page's charts (with the header still saying why) when the data has no model. */
export function showCharts(visible: boolean): void {
  document.querySelector('main')!.hidden = !visible;
}

export function fileName(data: PanelData): string {
  return decodeURIComponent(data.uri.split('/').pop() ?? data.uri);
}

/**
 * Chart defaults from the theme. No animation: the charts redraw on every debounced edit, and a
 * chart that slides for half a second after each keystroke is noise (and untestable pixels).
 */
export function applyChartTheme(theme: Theme): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = theme.fontSize;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

/** The `patch=4x4 until=block4` text of a schedule, or `layer by layer`. */
export function scheduleName(patch: readonly number[] | null, untilBlock: number | null): string {
  return patch && untilBlock !== null && untilBlock >= 0 ? `patch=${patch[0]}x${patch[1]} until=block${untilBlock}` : 'layer by layer';
}

export const kib = (bytes: number): number => bytes / 1024;
