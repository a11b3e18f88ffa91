/*
 * Module resolution hooks that let ES modules find packages in NODE_PATH.
 *
 * Node.js searches NODE_PATH for require() only. Lambda's Node.js runtimes
 * (18 and later) search it for `import` too, which is how an ES module handler
 * imports the AWS SDK the runtime includes, or a package from a layer. As for
 * require(), NODE_PATH comes last: a specifier is first resolved as Node.js
 * always does (the importing file's own node_modules folders), and only a bare
 * package name that is found nowhere else is looked for in NODE_PATH's folders.
 *
 * bootstrap.js registers this file with module.register() and passes the
 * NODE_PATH folders as `data.folders`.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Folders named node_modules, in NODE_PATH's order.
let folders = [];

export function initialize(data) {
  folders = data?.folders ?? [];
}

// The package a bare specifier names ("@aws-sdk/client-s3" for
// "@aws-sdk/client-s3/dist-es/index.js"), or null when the specifier is a
// path, a URL, a builtin or a package import ("#internal").
function packageName(specifier) {
  if (/^[./#]/.test(specifier) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    const name = packageName(specifier);
    if (!name) throw err;
    for (const folder of folders) {
      if (!existsSync(path.join(folder, name))) continue;
      // Resolved as if imported from a file beside `folder`: Node.js then
      // finds the package in `folder` and applies its "exports" and "import"
      // conditions as for any other package.
      const parentURL = pathToFileURL(path.join(path.dirname(folder), 'nimbus-node-path.mjs')).href;
      return nextResolve(specifier, { ...context, parentURL });
    }
    throw err;
  }
}
