'use strict';
// Builds a project's Node.js functions as its build plugin would for `serverless deploy`, with
// the tool from the project's own node_modules: serverless-esbuild, serverless-webpack or
// serverless-plugin-typescript. nimbus runs it as `node build.js REQUEST.json` in the service
// folder; REQUEST names the tool, the plugin's settings (its `custom` section), the functions
// and the output folder. Each function's handler keeps its path relative to the output folder
// ("src/handler.main" is built to OUT/src/handler.js), which becomes the functions' code folder.
// What the tool prints is shown to the user as it is; the exit code says whether it built.

const fs = require('fs');
const Module = require('module');
const path = require('path');

class BuildError extends Error {}

const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const serviceDir = request.serviceDir;
const outDir = request.outDir;
const settings = request.settings && typeof request.settings === 'object' ? request.settings : {};

// The project's copy of a package, as the plugin would require it from the service folder.
function requireFromProject(name, plugin) {
  let resolved;
  try {
    resolved = require.resolve(name, { paths: [serviceDir] });
  } catch (e) {
    throw new BuildError(
      `${plugin} needs the package "${name}" in the project's node_modules: ` +
        `run npm install (or add it: npm install --save-dev ${name})`
    );
  }
  return require(resolved);
}

// "src/api/users.list" -> "src/api/users"; the function's name is after the last dot.
function handlerModule(handler) {
  return handler.slice(0, handler.lastIndexOf('.'));
}

// The source file of a handler module: the first extension the plugin would find.
function handlerFile(module, extensions, plugin) {
  for (const ext of extensions) {
    const candidate = module + ext;
    if (fs.existsSync(path.join(serviceDir, candidate))) return candidate;
  }
  throw new BuildError(
    `${plugin}: no handler file ${module} with any of ${extensions.join(', ')} in ${serviceDir}`
  );
}

// The Framework's `serverless` object, as far as build configurations read it.
function serverlessObject() {
  const functions = {};
  for (const f of request.functions) functions[f.key] = { handler: f.handler, runtime: f.runtime };
  return {
    service: {
      service: request.service,
      provider: { name: 'aws', stage: request.stage, region: request.region, runtime: request.functions[0]?.runtime },
      custom: request.custom || {},
      functions,
      getAllFunctions: () => Object.keys(functions),
      getFunction: (key) => functions[key],
    },
    config: { servicePath: serviceDir, serviceDir },
    cli: { log: (...args) => console.log(...args) },
    classes: { Error },
  };
}

// serverless-esbuild: "nodejs20.x" -> "node20".
function nodeTarget(runtime) {
  const match = /^nodejs(\d+)/.exec(runtime || '');
  return match ? `node${match[1]}` : 'node18';
}

// Options of serverless-esbuild that are its own, not esbuild's.
const ESBUILD_PLUGIN_OPTIONS = [
  'concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch',
  'keepOutputDirectory', 'packagerOptions', 'installExtraArgs', 'outputFileExtension',
  'outputBuildFolder', 'outputWorkFolder', 'nodeExternals', 'skipBuild', 'skipRebuild',
  'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext', 'config',
];

async function buildWithEsbuild() {
  const plugin = 'serverless-esbuild';
  const esbuild = requireFromProject('esbuild', plugin);
  let options = settings;
  if (typeof settings.config === 'string') {
    // custom.esbuild.config: a file whose export (given the serverless object) replaces the
    // section.
    let exported = require(path.join(serviceDir, settings.config));
    if (exported && exported.default) exported = exported.default;
    options = typeof exported === 'function' ? await exported(serverlessObject()) : exported;
  }
  const defaults = {
    bundle: true,
    target: nodeTarget(request.functions[0]?.runtime),
    external: [],
    exclude: ['aws-sdk'],
    platform: 'node',
    outputFileExtension: '.js',
  };
  options = { ...defaults, ...options };
  let plugins = options.plugins;
  if (typeof plugins === 'string') {
    plugins = require(path.join(serviceDir, plugins));
    if (plugins && plugins.default) plugins = plugins.default;
    if (typeof plugins === 'function') plugins = plugins(serverlessObject());
  }
  const exclude = [].concat(options.exclude || []);
  const esbuildOptions = { ...options };
  for (const name of ESBUILD_PLUGIN_OPTIONS) delete esbuildOptions[name];
  esbuildOptions.external = [
    ...[].concat(options.external || []),
    ...(exclude.includes('*') ? [] : exclude),
  ];
  if (plugins) esbuildOptions.plugins = plugins;
  if (options.outputFileExtension && options.outputFileExtension !== '.js') {
    esbuildOptions.outExtension = { '.js': options.outputFileExtension };
  }
  const extensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
  const entries = [...new Set(request.functions.map((f) => handlerFile(handlerModule(f.handler), extensions, plugin)))];
  for (const entry of entries) {
    // One build per handler file, each into the folder of its source, as the plugin does.
    await esbuild.build({
      ...esbuildOptions,
      absWorkingDir: serviceDir,
      entryPoints: [entry],
      outdir: path.join(outDir, path.dirname(entry)),
      logLevel: esbuildOptions.logLevel || 'warning',
    });
  }
  return esbuildOptions.format === 'esm' ? 'module' : 'commonjs';
}

async function buildWithWebpack() {
  const plugin = 'serverless-webpack';
  const webpack = requireFromProject('webpack', plugin);
  // The plugin's `lib`, which webpack.config.js reads: entries of every Node.js handler, and
  // isLocal, true for a local run as under `serverless invoke local` or serverless-offline.
  // Only the lib is loaded: the configuration's require('serverless-webpack') gets it without
  // the plugin's packaging code, whose dependencies (archiver) need a newer Node.js than the
  // build does.
  let pluginMain;
  try {
    pluginMain = require.resolve('serverless-webpack', { paths: [serviceDir] });
  } catch (e) {
    requireFromProject('serverless-webpack', plugin);  // Throws the message saying what to install.
  }
  const lib = require(path.join(path.dirname(pluginMain), 'lib', 'index.js'));
  const stub = new Module(pluginMain);
  stub.filename = pluginMain;
  stub.loaded = true;
  stub.exports = { lib };
  require.cache[pluginMain] = stub;
  const slsw = stub.exports;
  const extensions = ['.js', '.ts', '.jsx', '.tsx', '.mjs', '.cjs', '.mts', '.cts'];
  const entries = {};
  for (const f of request.functions) {
    const module = handlerModule(f.handler);
    entries[module] = './' + handlerFile(module, extensions, plugin);
  }
  slsw.lib.entries = entries;
  slsw.lib.webpack.isLocal = true;
  slsw.lib.serverless = serverlessObject();
  slsw.lib.options = { stage: request.stage, region: request.region };

  const configPath = path.join(serviceDir, settings.webpackConfig || 'webpack.config.js');
  let config;
  if (fs.existsSync(configPath)) {
    config = require(configPath);
    if (config && config.default) config = config.default;
    if (typeof config === 'function') config = config({}, { mode: undefined });
    config = await config;
  } else if (settings.webpackConfig) {
    throw new BuildError(`${plugin} could not find the configuration file at: ${configPath}`);
  } else {
    config = { entry: entries };
  }
  const configs = Array.isArray(config) ? config : [config];
  for (const c of configs) {
    // The plugin's defaults, then nimbus's output folder in place of .webpack/service.
    if (!c.context) c.context = serviceDir;
    if (!c.target) c.target = 'node';
    if (c.node === undefined) c.node = false;
    if (!c.entry) c.entry = entries;
    c.output = {
      libraryTarget: 'commonjs',
      filename: '[name].js',
      ...(c.output || {}),
      path: outDir,
    };
  }
  const compiler = webpack(configs.length === 1 ? configs[0] : configs);
  const stats = await new Promise((resolve, reject) =>
    compiler.run((err, result) => (err ? reject(err) : resolve(result)))
  );
  // webpack 4 has no close(); 5 wants it called to write its caches.
  if (typeof compiler.close === 'function') await new Promise((resolve) => compiler.close(() => resolve()));
  const text = stats.toString({ all: false, errors: true, warnings: true, colors: false });
  if (text.trim()) console.log(text);
  if (stats.hasErrors()) throw new BuildError('webpack compilation failed');
  const esm = configs.some((c) => c.output.module || c.output.libraryTarget === 'module' ||
    (c.output.library && c.output.library.type === 'module'));
  return esm ? 'module' : 'commonjs';
}

async function buildWithTypescript() {
  const plugin = 'serverless-plugin-typescript';
  const ts = requireFromProject('typescript', plugin);
  const configFile = path.join(serviceDir, settings.tsConfigFileLocation || 'tsconfig.json');
  let options;
  if (fs.existsSync(configFile)) {
    const parsed = ts.readConfigFile(configFile, ts.sys.readFile);
    if (parsed.error) throw new BuildError(ts.formatDiagnostics([parsed.error], formatHost(ts)));
    const content = ts.parseJsonConfigFileContent(parsed.config, ts.sys, path.dirname(configFile));
    if (content.errors.length) throw new BuildError(ts.formatDiagnostics(content.errors, formatHost(ts)));
    options = content.options;
  } else {
    // The plugin's own defaults without a tsconfig.json.
    options = {
      preserveConstEnums: true,
      strictNullChecks: true,
      sourceMap: true,
      allowJs: true,
      target: ts.ScriptTarget.ES5,
      moduleResolution: ts.ModuleResolutionKind.NodeJs,
      lib: ['lib.es2015.d.ts'],
    };
  }
  // As the plugin: the service folder is the root, the output mirrors it.
  options.rootDir = serviceDir;
  options.outDir = outDir;
  options.noEmit = false;
  const roots = request.functions.map((f) => handlerFile(handlerModule(f.handler), ['.ts', '.js'], plugin));
  const program = ts.createProgram([...new Set(roots)].map((r) => path.join(serviceDir, r)), options);
  const emitted = program.emit();
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
  // Type errors are reported and the code still runs, as the plugin lets it deploy; only a
  // compilation that emits nothing fails.
  if (diagnostics.length) console.log(ts.formatDiagnostics(diagnostics, formatHost(ts)));
  if (emitted.emitSkipped) throw new BuildError('TypeScript compilation failed');
  // tsc emits the module system the project's tsconfig and package.json agree on.
  return projectModuleType();
}

function formatHost(ts) {
  return {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => serviceDir,
    getNewLine: () => '\n',
  };
}

// The module system of the output, told to Node.js by a package.json at the output's root:
// without it, the project's own package.json above (say "type": "module") would decide how a
// CommonJS bundle is loaded.
function projectModuleType() {
  try {
    return JSON.parse(fs.readFileSync(path.join(serviceDir, 'package.json'), 'utf8')).type || 'commonjs';
  } catch (e) {
    return 'commonjs';
  }
}

const builders = { esbuild: buildWithEsbuild, webpack: buildWithWebpack, typescript: buildWithTypescript };

(async () => {
  const builder = builders[request.tool];
  if (!builder) throw new BuildError(`unknown build tool ${request.tool}`);
  const type = await builder();
  fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify({ type }) + '\n');
})().then(
  () => process.exit(0),
  (e) => {
    // esbuild has printed its messages already (logLevel); the others are in the error.
    if (e instanceof BuildError) console.error(e.message);
    else if (!(e && Array.isArray(e.errors))) console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  }
);
