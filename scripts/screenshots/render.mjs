// Render blastwall's Markdown report the way GitHub shows a PR comment and
// screenshot it in headless Chromium. Called by ../screenshots.sh; see there.
//
//   node render.mjs --md X.md --html X.html --png-prefix docs/screenshots/NAME
//                   [--title "text shown in the comment header"]
//
// Writes X.html (self-contained apart from file:// links into node_modules)
// and two full-page PNGs:
//   <prefix>-collapsed.png  as a reviewer first sees the comment
//   <prefix>-details.png    with the first <details> block opened
// and, with --expanded-png PATH, a third one with every <details> open (for
// review; the script keeps it under target/screens/).
// It also prints warnings a reviewer would notice: a table wider than the
// comment (GitHub scrolls it sideways), a Mermaid diagram scaled down to fit,
// and HTML entities or Mermaid #codes; shown literally instead of decoded.
// Offline: every request that is not file:// or data: is aborted.

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Marked } from 'marked';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const mod = (p) => pathToFileURL(join(here, 'node_modules', p)).href;

const { values: opt } = parseArgs({
  options: {
    md: { type: 'string' },
    html: { type: 'string' },
    'png-prefix': { type: 'string' },
    'expanded-png': { type: 'string' },
    title: { type: 'string', default: '' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
});
for (const k of ['md', 'html', 'png-prefix']) {
  if (!opt[k]) {
    console.error(`render.mjs: --${k} is required`);
    process.exit(2);
  }
}

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// GFM as on github.com: tables, autolinks, raw HTML (<details>) passed through.
// `breaks` stays off: GitHub comments do not turn single newlines into <br>
// (the report uses two trailing spaces for its hard breaks).
const marked = new Marked({ gfm: true, breaks: false });
const markdown = readFileSync(opt.md, 'utf8');
const body = marked.parse(markdown);

const page = `<!DOCTYPE html>
<html lang="en" data-color-mode="light" data-light-theme="light">
<head>
<meta charset="utf-8">
<title>${escapeHtml(opt.title || 'blastwall report')}</title>
<link rel="stylesheet" href="${mod('github-markdown-css/github-markdown-light.css')}">
<style>
  /* The page around the comment: github.com's PR timeline, light theme. */
  html, body { margin: 0; background: #ffffff; }
  body { padding: 24px 50px 32px 50px; color: #1f2328;
         font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
  .comment { width: 900px; box-sizing: border-box; border: 1px solid #d1d9e0; border-radius: 6px; }
  .comment-header { display: flex; align-items: center; gap: 8px; padding: 0 16px; height: 40px;
                    background: #f6f8fa; border-bottom: 1px solid #d1d9e0; border-radius: 6px 6px 0 0;
                    font-size: 14px; color: #59636e; }
  .comment-header b { color: #1f2328; }
  .comment-header .bot { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 6px; font-size: 12px; }
  .comment-header .avatar { width: 20px; height: 20px; border-radius: 50%; background: #2da44e; }
  .markdown-body { padding: 16px; font-size: 14px; background: transparent; }
  /* GitHub draws Mermaid in an iframe sized to the diagram, centred. */
  .markdown-body div.mermaid { text-align: center; margin-bottom: 16px; overflow-x: auto; }
  .markdown-body div.mermaid svg { max-width: 100%; height: auto; }
  .mermaid-error { color: #d1242f; white-space: pre-wrap; }
</style>
</head>
<body>
<div class="comment">
  <div class="comment-header"><span class="avatar"></span><b>github-actions</b><span class="bot">bot</span> commented</div>
  <div class="markdown-body">
${body}
  </div>
</div>
<script src="${mod('mermaid/dist/mermaid.min.js')}"></script>
<script>
  // GitHub: \`\`\`mermaid fences become diagrams; everything else stays code.
  window.__mermaid = (async () => {
    const blocks = document.querySelectorAll('pre > code.language-mermaid');
    for (const code of blocks) {
      const div = document.createElement('div');
      div.className = 'mermaid';
      div.textContent = code.textContent;
      code.parentElement.replaceWith(div);
    }
    if (!blocks.length) return { blocks: 0, errors: [] };
    // Mermaid's own limits (maxTextSize 50000, maxEdges 500) stay in force, as
    // on GitHub: a report over them should show up here as broken too.
    mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
    const errors = [];
    await mermaid.run({ querySelector: 'div.mermaid', suppressErrors: true,
                        postRenderCallback: () => {} }).catch((e) => errors.push(String(e)));
    for (const div of document.querySelectorAll('div.mermaid')) {
      if (!div.querySelector('svg')) errors.push('not rendered: ' + div.textContent.slice(0, 200));
      else if (div.querySelector('.error-icon, [aria-roledescription="error"]')) errors.push('mermaid syntax error');
    }
    return { blocks: blocks.length, errors };
  })();
</script>
</body>
</html>
`;
writeFileSync(opt.html, page);

const profile = mkdtempSync(join(tmpdir(), 'blastwall-shots-'));
let ctx;
try {
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: opt.chromium,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1000, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    offline: true,
  });
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file:') || u.startsWith('data:')) return route.continue();
    console.error(`render.mjs: blocked ${u}`);
    return route.abort();
  });
  const tab = ctx.pages()[0] || (await ctx.newPage());
  const consoleErrors = [];
  tab.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  tab.on('pageerror', (e) => consoleErrors.push(String(e)));

  await tab.goto(pathToFileURL(resolve(opt.html)).href, { waitUntil: 'load' });
  const result = await tab.evaluate(() => window.__mermaid);
  await tab.evaluate(() => document.fonts.ready.then(() => true));
  if (result.errors.length || consoleErrors.length) {
    console.error(`render.mjs: ${opt.md}: mermaid/page problems:\n  ` +
      [...result.errors, ...consoleErrors].join('\n  '));
  }

  const checks = await tab.evaluate(() => {
    const out = [];
    const body = document.querySelector('.markdown-body');
    body.querySelectorAll('details').forEach((d) => { d.open = true; });
    body.querySelectorAll('table').forEach((t, i) => {
      if (t.scrollWidth > t.clientWidth + 1) {
        const head = [...t.querySelectorAll('th')].map((th) => th.textContent.trim()).join(' | ');
        out.push(`table ${i + 1} (${head}) is ${t.scrollWidth}px wide in a ${t.clientWidth}px comment: ` +
                 `its right part is cut off / scrolls sideways`);
      }
    });
    body.querySelectorAll('div.mermaid svg').forEach((svg, i) => {
      const natural = svg.viewBox.baseVal && svg.viewBox.baseVal.width;
      const shown = svg.getBoundingClientRect().width;
      if (natural && shown < natural - 1) {
        out.push(`mermaid diagram ${i + 1} is scaled to ${Math.round((100 * shown) / natural)}% ` +
                 `(${Math.round(natural)}px -> ${Math.round(shown)}px wide)`);
      }
    });
    const text = body.innerText;
    for (const re of [/&#?[0-9a-zA-Z]+;/g, /(?<!&)#(quot|amp|lt|gt|\d+);/g]) {
      const hits = [...new Set(text.match(re) || [])];
      if (hits.length) out.push(`literal escapes in the rendered text: ${hits.slice(0, 8).join(' ')}`);
    }
    body.querySelectorAll('details').forEach((d) => { d.open = false; });
    return out;
  });
  for (const c of checks) console.error(`render.mjs: ${opt.md}: warning: ${c}`);

  const shots = [];
  const shoot = async (suffix) => {
    const path = `${opt['png-prefix']}-${suffix}.png`;
    await tab.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
    shots.push(path);
  };
  await tab.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = false; }));
  await shoot('collapsed');
  const opened = await tab.evaluate(() => {
    const d = document.querySelector('.markdown-body details');
    if (!d) return null;
    d.open = true;
    return d.querySelector('summary')?.textContent ?? '';
  });
  if (opened === null) console.error(`render.mjs: ${opt.md}: no <details> to open`);
  await shoot('details');
  if (opt['expanded-png']) {
    await tab.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    await tab.screenshot({ path: opt['expanded-png'], fullPage: true, animations: 'disabled', caret: 'hide' });
    shots.push(opt['expanded-png']);
  }
  console.log(`${opt.md}: ${result.blocks} mermaid block(s)` +
    (opened !== null ? `; opened "${opened.slice(0, 60)}"` : '') + ` -> ${shots.join(', ')}`);
  if (result.errors.length) process.exitCode = 1;
} finally {
  if (ctx) await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
