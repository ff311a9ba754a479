// The UI's one HTML page: a frame the script fills. No inline script or style (the CSP forbids
// them); the token (URL-safe base64) goes into the two asset URLs, `where` is escaped.
import { xmlEscape } from '../../graph/svg.ts';

export function pageHtml(token: string, where: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conveyor</title>
<link rel="stylesheet" href="/app.css?token=${token}">
<script type="module" src="/app.js?token=${token}"></script>
</head>
<body>
<header><a id="home" href="#/">Conveyor</a> <span id="where">${xmlEscape(where)}</span> <span id="live" class="live">connecting…</span></header>
<div id="notice" role="alert" hidden></div>
<main id="view"></main>
</body>
</html>
`;
}
