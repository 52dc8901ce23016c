/**
 * The console's pages load only their own scripts, styles and images, talk only to this
 * origin's API, and may not be framed: no inline script or style, no eval, no other host.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** index.html names the current asset files: always asked for again. */
export const PAGE_CACHE = 'no-cache';
/** Asset names carry a hash of their content: they never change. */
export const ASSET_CACHE = 'public, max-age=31536000, immutable';
