// Shared by the browser tests: Debian's Chromium driven by playwright-core from tools/node, and
// a tiny check runner that reports every failure before exiting non-zero.
'use strict';
const path = require('path');

const { chromium } = require(path.join(__dirname, '../../tools/node/node_modules/playwright-core'));

// Headless, no sandbox (CI runs as root), and nothing that reaches out to the network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// check(name, fn) runs one named check and records its failure; failures() counts them.
function checker() {
  let failures = 0;
  const check = async (name, fn) => {
    try {
      await fn();
      console.log('ok   ' + name);
    } catch (e) {
      failures++;
      console.log('FAIL ' + name + '\n' + (e.stack || e));
    }
  };
  return { check, failures: () => failures };
}

module.exports = { launchChromium, checker };
