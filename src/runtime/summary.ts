/**
 * A pure Markdown builder for job summaries. Every piece of user or error text goes through
 * `escapeCell`/`escapeHtml`; secrets are redacted by the writer in `action.ts`.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text safe inside a Markdown table cell: HTML-escaped, pipes escaped, newlines as <br>. */
export function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export class SummaryBuilder {
  private readonly parts: string[] = [];

  heading(text: string, level = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${escapeHtml(text)}\n`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(`${escapeHtml(text)}\n`);
    return this;
  }

  /** Markdown that the caller built from already-escaped pieces. */
  raw(markdown: string): this {
    this.parts.push(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return this;
  }

  /** A table; cells are escaped unless wrapped with `trusted()`. */
  table(headers: string[], rows: Array<Array<string | number | Trusted>>): this {
    const cell = (c: string | number | Trusted): string => (c instanceof Trusted ? c.markdown : escapeCell(String(c)));
    const lines = [`| ${headers.map(cell).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
    this.parts.push(`${lines.join('\n')}\n`);
    return this;
  }

  details(summary: string, body: string, options: { code?: string } = {}): this {
    const inner = options.code !== undefined ? `\n\n\`\`\`${options.code}\n${body.replace(/```/g, '`\u200b``')}\n\`\`\`\n` : `\n\n${body}\n`;
    this.parts.push(`<details><summary>${escapeHtml(summary)}</summary>${inner}</details>\n`);
    return this;
  }

  codeBlock(body: string, lang = ''): this {
    this.parts.push(`\`\`\`${lang}\n${body.replace(/```/g, '`\u200b``')}\n\`\`\`\n`);
    return this;
  }

  /** A mermaid xychart-beta line chart: one x axis of labels, one or more numeric series. */
  xyChart(title: string, xLabels: string[], series: Array<{ name: string; values: number[] }>, yLabel = ''): this {
    const quote = (s: string): string => `"${s.replace(/["\n]/g, ' ')}"`;
    const lines = ['```mermaid', 'xychart-beta', `  title ${quote(title)}`, `  x-axis [${xLabels.map(quote).join(', ')}]`];
    if (yLabel) lines.push(`  y-axis ${quote(yLabel)}`);
    for (const s of series) lines.push(`  line [${s.values.map((v) => (Number.isFinite(v) ? round(v) : 0)).join(', ')}]`);
    lines.push('```');
    if (series.length > 1) lines.push(`Lines: ${series.map((s) => escapeHtml(s.name)).join(', ')}.`);
    this.parts.push(`${lines.join('\n')}\n`);
    return this;
  }

  toString(): string {
    return this.parts.join('\n');
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Markdown to put into a table cell as it is (e.g. an emoji or a link the code built). */
export class Trusted {
  constructor(readonly markdown: string) {}
}

export function trusted(markdown: string): Trusted {
  return new Trusted(markdown);
}

/** Plain text rendition of a summary for the CLI: tags stripped, entities decoded. */
export function summaryToText(markdown: string): string {
  return markdown
    .replace(/<br>/g, ' / ')
    .replace(/<\/?(details|summary)>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\\\|/g, '|');
}
