// Chart legends as HTML rather than chart.js's canvas legend: keyboard-reachable toggles that screen
// readers can name, text the theme's font renders, and one plugin less in every bundle.

export interface LegendEntry {
  /** What a toggle reports back; entries without one are plain keys. */
  id?: string;
  label: string;
  color: string;
  marker: 'box' | 'line' | 'point';
  off?: boolean;
}

export function renderLegend(container: HTMLElement, entries: LegendEntry[], onToggle?: (id: string) => void): void {
  container.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement(entry.id && onToggle ? 'button' : 'span');
      item.className = `legend-item ${entry.off ? 'off' : ''}`;
      const swatch = document.createElement('span');
      swatch.className = `swatch ${entry.marker}`;
      // Set through the CSSOM: the page's policy refuses inline style attributes.
      swatch.style.setProperty('--swatch', entry.color);
      item.append(swatch, document.createTextNode(entry.label));
      if (item instanceof HTMLButtonElement) {
        item.type = 'button';
        item.setAttribute('aria-pressed', String(!entry.off));
        item.title = `Show or hide ${entry.label}`;
        item.addEventListener('click', () => onToggle!(entry.id!));
      }
      return item;
    }),
  );
}
