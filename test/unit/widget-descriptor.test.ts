import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { projectPath } from '../../app/project-root.js';
import { WIDGET_HEIGHT_PX } from '../../app/widget/card-view.js';

describe('The widget in the documented descriptor', () => {
  it('when the page is laid out for a height, then the descriptor declares that height, the route and open-feedback', () => {
    const operations = readFileSync(projectPath('docs/operations.md'), 'utf8');
    const widget = /<entity\.counterparty\.edit>([\s\S]*?)<\/entity\.counterparty\.edit>/.exec(operations)?.[1] ?? '';
    expect(widget).to.include('<sourceUrl>https://loyalty.example.com/widget/counterparty</sourceUrl>');
    expect(widget).to.include(`<fixed>${WIDGET_HEIGHT_PX}px</fixed>`);
    expect(widget).to.include('<open-feedback/>');
  });
});
