import { createHash } from 'node:crypto';
import { html, SafeHtml } from './html.js';
import { languageSwitcher, type PageContext } from './page.js';

/**
 * One stylesheet, inline, allowed by its hash in the Content-Security-Policy: the pages load
 * nothing from anywhere and run no script, so they work offline and without JavaScript.
 */
const STYLES = `
:root{color-scheme:light;--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#6b7280;--line:#e5e7eb;--field:#d1d5db;--accent:#1d4ed8;--accent-dark:#1e40af;--focus:#2563eb;--bad:#b91c1c;--bad-bg:#fef2f2;--ok:#047857}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;display:flex;flex-direction:column;align-items:center;padding:56px 16px 32px}
.brand{display:flex;align-items:center;gap:10px;font-weight:650;font-size:18px;letter-spacing:-.01em;margin-bottom:20px}
.brand svg{width:30px;height:30px;flex:none}
main{width:100%;max-width:420px;background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 1px 2px rgba(17,24,39,.04),0 12px 32px rgba(17,24,39,.08);padding:32px}
h1{font-size:22px;line-height:1.3;letter-spacing:-.01em;margin:0 0 6px}
h1,.lead,.scopes span,.account strong,.detail{overflow-wrap:anywhere}
p{margin:0 0 16px}
.lead{color:var(--muted);margin-bottom:24px}
strong{font-weight:600}
label{display:block;font-weight:550;font-size:14px;margin:0 0 6px}
input[type=text],input[type=email],input[type=password]{display:block;width:100%;font:inherit;padding:10px 12px;border:1px solid var(--field);border-radius:8px;background:#fff;color:var(--text);margin-bottom:18px}
input:focus{border-color:var(--accent)}
input:focus-visible,button:focus-visible,a:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
button{display:block;width:100%;font:inherit;font-weight:600;padding:11px 16px;border-radius:8px;border:1px solid transparent;cursor:pointer}
.primary{background:var(--accent);color:#fff}
.primary:hover{background:var(--accent-dark)}
.secondary{background:#fff;color:var(--text);border-color:var(--field)}
.secondary:hover{background:#f9fafb}
.actions{display:flex;gap:12px;margin-top:24px}
.actions button,.actions .button{flex:1}
.button{display:block;text-align:center;text-decoration:none;font-weight:600;padding:11px 16px;border-radius:8px;border:1px solid var(--field)}
a.secondary{color:var(--text)}
.next{font-weight:550}
.alert{background:var(--bad-bg);color:var(--bad);border:1px solid #fecaca;border-radius:8px;padding:10px 12px;margin:0 0 18px;font-size:14px}
.scopes{list-style:none;padding:0;margin:0 0 20px;border:1px solid var(--line);border-radius:10px}
.scopes li{display:flex;gap:12px;align-items:flex-start;padding:12px 14px;border-top:1px solid var(--line)}
.scopes li:first-child{border-top:0}
.scopes svg{width:18px;height:18px;flex:none;margin-top:3px}
.scopes span{display:block}
.scopes code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}
.account{display:flex;justify-content:space-between;align-items:center;gap:12px;font-size:14px;color:var(--muted);padding:10px 14px;background:#f9fafb;border:1px solid var(--line);border-radius:10px;margin-bottom:20px}
.account strong{color:var(--text)}
.account span{min-width:0}
.account a{white-space:nowrap}
.note{font-size:13px;color:var(--muted);margin:16px 0 0}
.detail{font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f9fafb;border:1px solid var(--line);border-radius:8px;padding:10px 12px;word-break:break-word}
a{color:var(--accent)}
h2{font-size:17px;line-height:1.3;margin:28px 0 14px;padding-top:22px;border-top:1px solid var(--line)}
.notice{background:#ecfdf5;color:var(--ok);border:1px solid #a7f3d0;border-radius:8px;padding:10px 12px;margin:0 0 18px;font-size:14px}
.links{display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px 16px;font-size:14px;margin:16px 0 0}
.apps{list-style:none;padding:0;margin:0}
.apps li{display:flex;justify-content:space-between;align-items:center;gap:12px;padding:12px 0;border-top:1px solid var(--line)}
.apps li:first-child{border-top:0;padding-top:0}
.apps div{min-width:0;overflow-wrap:anywhere}
.apps small{display:block;color:var(--muted);font-size:13px}
.apps button{width:auto;padding:6px 12px;font-size:14px;font-weight:550;white-space:nowrap}
.empty{color:var(--muted);font-size:14px}
footer{margin-top:20px;font-size:13px;color:var(--muted)}
.languages ul{list-style:none;display:flex;flex-wrap:wrap;justify-content:center;gap:4px 14px;padding:0;margin:0;font-size:14px}
.languages span{color:var(--text);font-weight:600}
@media (max-width:480px){body{padding:28px 12px 24px}main{padding:24px 20px;border-radius:12px}h1{font-size:20px}}
`;

const STYLE_HASH = createHash('sha256').update(STYLES).digest('base64');

/** Headers every page carries: no script at all, no framing, no referrer, never cached. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

const LOGO = html`<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#1d4ed8"/><path d="M9.5 24.5V14a6.5 6.5 0 0 1 13 0v10.5" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/><path d="M16 24.5v-7" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>`;

export function layout(context: PageContext, title: string, body: SafeHtml): string {
  const { t } = context;
  return html`<!doctype html>
<html lang="${t.language}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${t.text('layout.title', { title })}</title>
<link rel="icon" href="data:,">
<style>${new SafeHtml(STYLES)}</style>
</head>
<body>
<header class="brand">${LOGO}<span>Gatehouse</span></header>
<main>
${body}
</main>
<footer>${languageSwitcher(context)}</footer>
</body>
</html>
`.value;
}
