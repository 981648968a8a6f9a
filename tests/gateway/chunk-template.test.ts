import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonTemplate } from '../../main/gateway/chunk-template.ts';

const chunk = (model: string) => (text: string) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] });

describe('chunk template', () => {
  it('writes exactly what JSON.stringify of the whole chunk writes, for any text and model', () => {
    const texts = ['', 'plain', 'quote " backslash \\ newline \n tab \t', '\u0000\u001f\u2028\u2029', 'emoji 🧪 and é', '\ud800 lone surrogate', '</details>'];
    for (const model of ['sonnet', 'we"ird\\model\n', '\u0000piece\u0000']) {
      const t = jsonTemplate(chunk(model));
      for (const text of texts) assert.equal(t(text), JSON.stringify(chunk(model)(text)), `${JSON.stringify(model)} / ${JSON.stringify(text)}`);
    }
  });
});
