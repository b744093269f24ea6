#!/usr/bin/env node
// Merges electron-builder's update-info files (latest.yml, latest-mac.yml, latest-linux*.yml) written by the
// release workflow's per-architecture jobs into one file per channel, listing every architecture's installer.
// Why: each job builds one architecture natively (the addon is compiled on its own CPU), so Windows x64 and arm64
// both write latest.yml and macOS arm64 and x64 both write latest-mac.yml; uploaded side by side, the last one would
// win and the other architecture's users would be offered an installer for the wrong CPU. electron-updater picks
// its own architecture's file from the `files` list (the file whose name carries process.arch; on macOS arm64 vs
// the rest), so one list with every architecture serves all of them.
//
// No dependencies (the publish job runs it on a bare runner): it reads only the subset of YAML that electron-builder
// writes for update info (top-level scalars, block scalars, and the `files` list of flat maps), keeps every value's
// text as written, and refuses anything else with a coded error rather than guess.
//
// Usage: node .ci/update-info.mjs merge <artifacts dir> <out dir>
//   <artifacts dir>/<job>/...: each job's files (actions/download-artifact without merge-multiple). Installers and
//   blockmaps are copied to <out dir> (a same-named file with other bytes is an error); update-info files of the
//   same name are merged.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export class UpdateInfoError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'UpdateInfoError';
    this.code = code;
  }
}

/** electron-builder's update-info file names: latest.yml, latest-mac.yml, latest-linux.yml, latest-linux-arm64.yml. */
export const isUpdateInfoFile = (name) => /^latest(-[a-z0-9-]+)?\.yml$/.test(name);

/** The value of a YAML scalar as written (plain, 'single' or "double" quoted). */
export function unquote(raw) {
  if (raw.startsWith("'")) {
    if (!raw.endsWith("'") || raw.length < 2)
      throw new UpdateInfoError('UNSUPPORTED_YAML', `bad quoting: ${raw}`);
    return raw.slice(1, -1).replace(/''/g, "'");
  }
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new UpdateInfoError('UNSUPPORTED_YAML', `bad quoting: ${raw}`);
    }
  }
  return raw;
}

const KEY_VALUE = /^([A-Za-z][A-Za-z0-9_]*):(?: (.*))?$/;

/**
 * Parses update info into { entries: [{ key, raw } | { key, list: [[{ key, raw }]] } | { key, block: string[] }] }.
 * `raw` is the scalar's text as written; list items are flat maps.
 */
export function parseUpdateInfo(text, source = 'update info') {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const entries = [];
  const fail = (i, why) => {
    throw new UpdateInfoError('UNSUPPORTED_YAML', `${source}:${i + 1}: ${why}: ${JSON.stringify(lines[i])}`);
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const m = KEY_VALUE.exec(line);
    if (!m) fail(i, 'expected a top-level key');
    const [, key, value] = m;
    if (entries.some((e) => e.key === key)) fail(i, 'duplicate key');
    i++;
    if (value !== undefined && value !== '' && /^[|>][-+]?$/.test(value)) {
      // block scalar (release notes): its indented lines as they are
      const block = [value];
      while (i < lines.length && (lines[i].startsWith('  ') || lines[i] === '')) block.push(lines[i++]);
      while (block.length > 1 && block[block.length - 1] === '') block.pop();
      entries.push({ key, block });
    } else if (value !== undefined && value !== '') {
      entries.push({ key, raw: value });
    } else {
      const list = [];
      while (i < lines.length && lines[i].startsWith('  ')) {
        const item = /^ {2}- (.*)$/.exec(lines[i]);
        if (!item) fail(i, 'expected a list item');
        const fields = [];
        const addField = (text, at) => {
          const f = KEY_VALUE.exec(text);
          if (!f || f[2] === undefined || f[2] === '') fail(at, 'expected key: value');
          if (fields.some((x) => x.key === f[1])) fail(at, 'duplicate key');
          fields.push({ key: f[1], raw: f[2] });
        };
        addField(item[1], i++);
        while (i < lines.length && /^ {4}\S/.test(lines[i])) {
          addField(lines[i].slice(4), i);
          i++;
        }
        list.push(fields);
      }
      if (list.length === 0) fail(i - 1, 'empty value');
      entries.push({ key, list });
    }
  }
  return { entries };
}

export function serializeUpdateInfo(doc) {
  const out = [];
  for (const e of doc.entries) {
    if ('raw' in e) out.push(`${e.key}: ${e.raw}`);
    else if ('block' in e) out.push(`${e.key}: ${e.block[0]}`, ...e.block.slice(1));
    else {
      out.push(`${e.key}:`);
      for (const fields of e.list) {
        fields.forEach((f, j) => out.push(`${j === 0 ? '  - ' : '    '}${f.key}: ${f.raw}`));
      }
    }
  }
  return out.join('\n') + '\n';
}

const entry = (doc, key) => doc.entries.find((e) => e.key === key);
const scalar = (doc, key) => {
  const e = entry(doc, key);
  return e && 'raw' in e ? unquote(e.raw) : undefined;
};
const fieldValue = (fields, key) => {
  const f = fields.find((x) => x.key === key);
  return f ? unquote(f.raw) : undefined;
};
const sameText = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * One update-info document from several of the same channel (one per architecture): the same version, every
 * architecture's files (an installer listed twice must be listed identically), the legacy single-file `path` and
 * `sha512` of the x64 build (updaters old enough to read them predate arm64 builds), the latest releaseDate; any
 * other field must agree.
 * @param {{ source: string, text: string }[]} inputs
 */
export function mergeUpdateInfo(inputs) {
  if (inputs.length === 0) throw new UpdateInfoError('NOTHING_TO_MERGE', 'no update-info files given');
  const docs = inputs.map((x) => ({ source: x.source, doc: parseUpdateInfo(x.text, x.source) }));
  for (const { source, doc } of docs) {
    if (scalar(doc, 'version') === undefined)
      throw new UpdateInfoError('NO_VERSION', `${source}: no version`);
    const files = entry(doc, 'files');
    if (!files || !('list' in files)) throw new UpdateInfoError('NO_FILES', `${source}: no files list`);
    for (const f of files.list) {
      if (fieldValue(f, 'url') === undefined)
        throw new UpdateInfoError('NO_FILES', `${source}: a file has no url`);
    }
  }
  const version = scalar(docs[0].doc, 'version');
  for (const { source, doc } of docs) {
    if (scalar(doc, 'version') !== version) {
      throw new UpdateInfoError(
        'VERSION_MISMATCH',
        `${source} is version ${scalar(doc, 'version')}, ${docs[0].source} is ${version}`,
      );
    }
  }

  const files = [];
  for (const { source, doc } of docs) {
    for (const f of entry(doc, 'files').list) {
      const url = fieldValue(f, 'url');
      const seen = files.find((x) => fieldValue(x.fields, 'url') === url);
      if (!seen) files.push({ source, fields: f });
      else if (!sameText(seen.fields, f)) {
        throw new UpdateInfoError('FILE_CONFLICT', `${url} differs between ${seen.source} and ${source}`);
      }
    }
  }

  // the legacy fields come together from one document: the x64 build's, else the first
  const legacy = docs.find(({ doc }) => /(^|[-_.])x64([-_.]|$)/.test(scalar(doc, 'path') ?? '')) ?? docs[0];
  const dates = docs.map(({ doc }) => scalar(doc, 'releaseDate')).filter((d) => d !== undefined);
  const latestDate = dates.length
    ? dates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a))
    : undefined;

  const merged = { entries: [] };
  const keys = [];
  for (const { doc } of docs) for (const e of doc.entries) if (!keys.includes(e.key)) keys.push(e.key);
  for (const key of keys) {
    if (key === 'files') {
      merged.entries.push({ key, list: files.map((f) => f.fields) });
    } else if (key === 'path' || key === 'sha512') {
      const e = entry(legacy.doc, key);
      if (e) merged.entries.push(e);
    } else if (key === 'releaseDate') {
      const e = docs
        .map(({ doc }) => entry(doc, key))
        .find((x) => x && 'raw' in x && unquote(x.raw) === latestDate);
      if (e) merged.entries.push(e);
    } else {
      const present = docs.filter(({ doc }) => entry(doc, key));
      const first = entry(present[0].doc, key);
      for (const { source, doc } of present) {
        if (!sameText(entry(doc, key), first)) {
          throw new UpdateInfoError(
            'FIELD_CONFLICT',
            `${key} differs between ${present[0].source} and ${source}`,
          );
        }
      }
      merged.entries.push(first);
    }
  }
  return serializeUpdateInfo(merged);
}

/**
 * The release's files from every job's artifact folder: installers copied, update info merged per channel.
 * Returns what was written, for the log.
 */
export function mergeArtifacts(inDir, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const channels = new Map();
  const copied = [];
  for (const job of fs.readdirSync(inDir).sort()) {
    const jobDir = path.join(inDir, job);
    if (!fs.statSync(jobDir).isDirectory()) continue;
    for (const name of fs.readdirSync(jobDir).sort()) {
      const file = path.join(jobDir, name);
      if (!fs.statSync(file).isFile()) continue;
      if (isUpdateInfoFile(name)) {
        const list = channels.get(name) ?? [];
        list.push({ source: `${job}/${name}`, text: fs.readFileSync(file, 'utf8') });
        channels.set(name, list);
        continue;
      }
      const dest = path.join(outDir, name);
      if (fs.existsSync(dest)) {
        if (!fs.readFileSync(dest).equals(fs.readFileSync(file))) {
          throw new UpdateInfoError('FILE_CONFLICT', `${name} is in two artifacts with different contents`);
        }
        continue;
      }
      fs.copyFileSync(file, dest);
      copied.push(name);
    }
  }
  const merged = [];
  for (const [name, inputs] of channels) {
    fs.writeFileSync(path.join(outDir, name), mergeUpdateInfo(inputs));
    merged.push(`${name} <- ${inputs.map((x) => x.source).join(', ')}`);
  }
  return { copied, merged };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, inDir, outDir] = process.argv.slice(2);
  if (command !== 'merge' || !inDir || !outDir) {
    console.error('usage: update-info.mjs merge <artifacts dir> <out dir>');
    process.exit(2);
  }
  try {
    const { copied, merged } = mergeArtifacts(inDir, outDir);
    for (const c of copied) console.log(`copied ${c}`);
    for (const m of merged) console.log(`merged ${m}`);
  } catch (error) {
    console.error(error instanceof UpdateInfoError ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  }
}
