#!/usr/bin/env node
// Lists an unpacked app (electron-builder --dir output) and checks that every binary in it is for the platform and
// architecture it was packed for: ELF machine for Linux, no PE (Windows) or Mach-O (macOS) file anywhere.
// Usage: node .ci/pack-scan.mjs <dir> <x64|arm64> [--list FILE]   (exit 1 on a foreign binary)
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';

const [dir, arch, ...rest] = process.argv.slice(2);
if (!dir || !arch) {
  console.error('usage: pack-scan.mjs <unpacked dir> <x64|arm64> [--list FILE]');
  process.exit(2);
}
const listFile = rest[0] === '--list' ? rest[1] : undefined;
const ELF_MACHINE = { x64: 0x3e, arm64: 0xb7 };
const MACHINE_NAME = { 0x3e: 'x86-64', 0xb7: 'aarch64', 0x03: 'i386', 0x28: 'arm' };

function kindOf(file) {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(20);
  const n = fs.readSync(fd, b, 0, 20, 0);
  fs.closeSync(fd);
  if (n >= 20 && b.readUInt32BE(0) === 0x7f454c46) return { kind: 'elf', machine: b.readUInt16LE(18) };
  if (n >= 2 && b[0] === 0x4d && b[1] === 0x5a) return { kind: 'pe' };
  const m = n >= 4 ? b.readUInt32BE(0) : 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(m)) return { kind: 'macho' };
  return { kind: 'data' };
}

const rows = [];
const foreign = [];
let total = 0;
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) {
      const size = fs.statSync(p).size;
      total += size;
      const k = kindOf(p);
      const rel = path.relative(dir, p);
      rows.push({ rel, size, k });
      if (k.kind === 'pe' || k.kind === 'macho')
        foreign.push(`${rel}: ${k.kind === 'pe' ? 'Windows PE' : 'Mach-O'}`);
      else if (k.kind === 'elf' && k.machine !== ELF_MACHINE[arch])
        foreign.push(`${rel}: ELF for ${MACHINE_NAME[k.machine] ?? k.machine}, packed for ${arch}`);
      else if (/\.(dll|dylib|exe)$/i.test(rel))
        foreign.push(`${rel}: a ${path.extname(rel)} file in a Linux app`);
    }
  }
})(dir);

rows.sort((a, b) => a.rel.localeCompare(b.rel));
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
if (listFile)
  fs.writeFileSync(listFile, rows.map((r) => `${String(r.size).padStart(11)}  ${r.rel}`).join('\n') + '\n');
const binaries = rows.filter((r) => r.k.kind !== 'data');
console.log(`${rows.length} files, ${mb(total)} unpacked; ${binaries.length} native binaries:`);
for (const r of binaries) console.log(`  ${mb(r.size).padStart(9)}  ${r.rel}`);
if (foreign.length) {
  console.error(`foreign binaries in the ${arch} app:\n  ${foreign.join('\n  ')}`);
  process.exit(1);
}
console.log(`no foreign platform's binary inside (all ELF ${arch})`);
