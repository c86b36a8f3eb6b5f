// The CSS variables VS Code sets on a webview page for its default themes (the subset the panels
// read), and the class it puts on <body>. Values from VS Code's Dark Modern, Light Modern and Dark
// High Contrast themes.

export type ThemeName = 'dark' | 'light' | 'highContrast';

export interface WebviewTheme {
  bodyClass: string;
  variables: Record<string, string>;
}

const common = {
  '--vscode-font-family': "system-ui, 'Ubuntu', 'Droid Sans', sans-serif",
  '--vscode-font-size': '13px',
};

export const themes: Record<ThemeName, WebviewTheme> = {
  dark: {
    bodyClass: 'vscode-dark',
    variables: {
      ...common,
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-errorForeground': '#f85149',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-inputValidation-warningBackground': '#352a05',
      '--vscode-inputValidation-warningBorder': '#b89500',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    variables: {
      ...common,
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-errorForeground': '#f85149',
      '--vscode-charts-foreground': '#3b3b3b',
      '--vscode-charts-lines': 'rgba(59, 59, 59, 0.5)',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-inputValidation-warningBackground': '#f6f5d2',
      '--vscode-inputValidation-warningBorder': '#bf8803',
    },
  },
  highContrast: {
    bodyClass: 'vscode-high-contrast',
    variables: {
      ...common,
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)',
      '--vscode-editor-background': '#000000',
      '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-errorForeground': '#f48771',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-foreground': '#ffffff',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-panel-border': '#6fc3df',
    },
  },
};
