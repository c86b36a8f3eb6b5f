import type { HostMessage, PageMessage } from '../../../client/src/panels/messages';
import { byId } from './page';

// The memory page as the .onnx custom editor: the "Create schedule file" button (shown only when the
// host says the model can be written as a .pnet), the note on a dynamic input, and the import's
// diagnostics (in place of a chart when the model cannot be imported). A bar click has no line to go to.
// The graph (of its blocks, or of what the import got to) comes with the data, as for a .pnet.

export function wireOnnxModel(post: (message: PageMessage) => void): void {
  byId<HTMLButtonElement>('createScheduleFile').addEventListener('click', () => post({ type: 'createScheduleFile' }));
  // A dynamic input: the size to analyse it at (the schedule file then writes it as its input line).
  byId<HTMLFormElement>('inputForm').addEventListener('submit', (event) => {
    event.preventDefault();
    const h = Number(byId<HTMLInputElement>('inputH').value);
    const w = Number(byId<HTMLInputElement>('inputW').value);
    if (Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1 && h <= 8192 && w <= 8192) post({ type: 'setInput', h, w });
  });
}

export function showOnnxModel(message: Extract<HostMessage, { type: 'onnxModel' }>): void {
  byId('onnxActions').hidden = !message.canCreate;
  const note = byId('note');
  note.textContent = message.note ?? '';
  note.hidden = !message.note;
  const form = byId<HTMLFormElement>('inputForm');
  form.hidden = !message.dynamicInput;
  if (message.dynamicInput) {
    byId<HTMLInputElement>('inputH').value = String(message.dynamicInput.h);
    byId<HTMLInputElement>('inputW').value = String(message.dynamicInput.w);
  }
  const list = byId<HTMLUListElement>('diagnostics');
  list.replaceChildren(...message.diagnostics.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  list.hidden = message.diagnostics.length === 0;
  document.querySelectorAll<HTMLElement>('.hint').forEach((hint) => (hint.hidden = true));
}
