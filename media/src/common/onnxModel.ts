import type { HostMessage, PageMessage } from '../../../client/src/panels/messages';
import { byId } from './page';

// The memory page as the .onnx custom editor: the "Create schedule file" button (shown only when the
// host says the model can be written as a .pnet), the note on a dynamic input, and the import's
// diagnostics (in place of a chart when the model cannot be imported). A bar click has no line to go to.

export function wireOnnxModel(post: (message: PageMessage) => void): void {
  byId<HTMLButtonElement>('createScheduleFile').addEventListener('click', () => post({ type: 'createScheduleFile' }));
}

export function showOnnxModel(message: Extract<HostMessage, { type: 'onnxModel' }>): void {
  byId('onnxActions').hidden = !message.canCreate;
  const note = byId('note');
  note.textContent = message.note ?? '';
  note.hidden = !message.note;
  const list = byId<HTMLUListElement>('diagnostics');
  list.replaceChildren(...message.diagnostics.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  list.hidden = message.diagnostics.length === 0;
  document.querySelectorAll<HTMLElement>('.hint').forEach((hint) => (hint.hidden = true));
}
