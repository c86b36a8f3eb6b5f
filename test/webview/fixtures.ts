import { HostMessage } from '../../client/src/panels/messages';
import { analyzeDocument } from '../../server/src/core/services/document';
import { panelData } from '../../server/src/core/services/panelData';
import { PanelSection } from '../../server/src/core/services/panelTypes';
import { Settings } from '../../server/src/core/services/types';
import { readExample } from '../helpers';

// What the extension posts to a panel for examples/mobilenetv2.pnet: the server's panel data,
// computed by the same function, in the same message.

export const exampleUri = 'file:///work/examples/mobilenetv2.pnet';
export const exampleText = readExample('mobilenetv2.pnet');

/** The example beyond MCUNetV2: two row-cached stages and a streamed run (the README's pictures). */
export const beyondSchedule = 'schedule patch=6x6 until=block4 cache=rows\nschedule patch=3x3 until=block7 cache=rows\nschedule stream until=block10 band=1';
export const beyondText = exampleText.replace(/^schedule .*$/m, beyondSchedule);

/** The data message for the panel that draws `section` (each panel asks only for its part). */
export function dataMessage(section: PanelSection, text = exampleText, settings: Settings = {}, version = 1): Extract<HostMessage, { type: 'data' }> {
  return { type: 'data', data: panelData(analyzeDocument(text, settings), exampleUri, version, [section]) };
}
