#!/usr/bin/env node
// Committed so that npm links the command before the package is built.
// CommonJS: Node then starts without its ES module loader (decision 0048).
require('../dist/ce-main.cjs');
