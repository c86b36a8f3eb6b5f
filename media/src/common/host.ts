import { describeDropped, HostMessage, PageMessage, parseHostMessage } from '../../../client/src/panels/messages';

// The page's side of the channel to the extension: typed posts, validated receipts, and the UI state
// VS Code keeps while the panel is hidden (the page itself is thrown away and loaded again).

export interface Host<S> {
  post(message: PageMessage): void;
  /** The UI state, restored when the panel is shown again. */
  readonly state: S;
  saveState(patch: Partial<S>): void;
}

/**
 * Connects the page: restores its state (fields of the saved state that still match the defaults'
 * types), validates every message, and tells the extension it is ready. A message that fails
 * validation is dropped, logged here and reported to the extension; a drawing error is reported too.
 */
export function connect<S extends object>(defaults: S, onMessage: (message: HostMessage) => void): Host<S> {
  const api = acquireVsCodeApi();
  const saved = api.getState() as { subject?: unknown } | undefined;
  const state = restore(defaults, saved);
  // The model the data came from, kept beside the UI state: after a window reload VS Code hands the
  // state to the extension, which reopens the panel on that model.
  let subject = typeof saved?.subject === 'string' ? saved.subject : undefined;
  const host: Host<S> = {
    post: (message) => api.postMessage(message),
    state,
    saveState(patch) {
      Object.assign(state, patch);
      api.setState({ ...state, subject });
    },
  };
  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = parseHostMessage(event.data);
    if (!parsed.ok) {
      const text = `dropped a malformed message: ${describeDropped(event.data, parsed.problem)}`;
      console.warn(`patchwise: ${text}`);
      host.post({ type: 'log', level: 'warn', text });
      return;
    }
    if (parsed.value.type === 'data' && parsed.value.data.uri !== subject) {
      subject = parsed.value.data.uri;
      api.setState({ ...state, subject });
    }
    try {
      onMessage(parsed.value);
    } catch (error) {
      const text = `could not draw: ${(error as Error).stack ?? String(error)}`;
      console.error(`patchwise: ${text}`);
      host.post({ type: 'log', level: 'error', text });
    }
  });
  host.post({ type: 'ready' });
  return host;
}

function restore<S extends object>(defaults: S, saved: unknown): S {
  const state = { ...defaults };
  if (typeof saved !== 'object' || saved === null) return state;
  for (const key of Object.keys(defaults) as (keyof S)[]) {
    const value = (saved as Partial<S>)[key];
    if (value !== undefined && typeof value === typeof defaults[key] && Array.isArray(value) === Array.isArray(defaults[key])) state[key] = value;
  }
  return state;
}

/**
 * The page's charts, reachable from the webview's developer tools and from the headless tests
 * (which read legends and axis titles, and find where a point is drawn, through them).
 */
export function exposeCharts(charts: Record<string, unknown>): void {
  (window as unknown as { patchwiseCharts: Record<string, unknown> }).patchwiseCharts = charts;
}
