import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './app-process.js';

/**
 * Headless Chromium from Debian's package (scripts/chromium.sh installs it when missing), with
 * the flags that keep it off the network this machine does not have.
 */
export function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync(path.join(ROOT, 'scripts', 'chromium.sh'), {
    encoding: 'utf8',
  }).trim();
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
