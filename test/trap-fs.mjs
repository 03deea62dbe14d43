// Preload (`node --import ./test/trap-fs.mjs ...`) that makes the read-only promise testable:
// every fs entry point that could change the filesystem, every open for writing, and any open
// of a path under /dev/vfio (those nodes are exclusive: a read-only tool must only lstat them)
// ends the process at once with exit code 99 and "FS-TRAP: ..." on stderr.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const fs = require('node:fs');
const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
const WRITE_BITS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

// FS_TRAP_ALLOW=DIR lets writes under DIR through (for `snapshot`, which writes only there).
const ALLOW = process.env.FS_TRAP_ALLOW ? process.env.FS_TRAP_ALLOW.replace(/\/+$/, '') + '/' : null;
const allowed = (p) => ALLOW !== null && typeof p === 'string' && (p + '/').startsWith(ALLOW);

function trap(what) {
  fs.writeSync(2, `FS-TRAP: ${what}\n`);
  process.exit(99);
}

const isWriteFlags = (flags) => (typeof flags === 'number' ? (flags & WRITE_BITS) !== 0 : typeof flags === 'string' && /[wa+]/.test(flags));
const underDevVfio = (p) => typeof p === 'string' && /(^|\/)dev\/vfio(\/|$)/.test(p);

for (const name of ['openSync', 'open']) {
  const orig = fs[name];
  fs[name] = function (p, flags, ...rest) {
    if (isWriteFlags(flags) && !allowed(String(p))) trap(`${name}(${p}, ${flags})`);
    if (underDevVfio(String(p)) && !String(p).endsWith('/dev/vfio')) trap(`${name}(${p}) under /dev/vfio`);
    return orig.call(this, p, flags, ...rest);
  };
}
const origPOpen = fs.promises.open;
fs.promises.open = function (p, flags, ...rest) {
  if (isWriteFlags(flags) || underDevVfio(String(p))) trap(`promises.open(${p}, ${flags})`);
  return origPOpen.call(this, p, flags, ...rest);
};

const MUTATORS = [
  'writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rm', 'rmdir', 'unlink', 'rename', 'symlink', 'link',
  'chmod', 'lchmod', 'chown', 'lchown', 'truncate', 'ftruncate', 'utimes', 'lutimes', 'futimes', 'copyFile', 'cp',
  'createWriteStream',
];
for (const base of MUTATORS) {
  for (const name of [base, `${base}Sync`]) {
    const orig = fs[name];
    if (typeof orig !== 'function') continue;
    // symlink(target, path) and rename(from, to) write at their second argument.
    fs[name] = function (...args) {
      const at = base === 'symlink' || base === 'link' ? args[1] : args[0];
      const also = base === 'rename' || base === 'copyFile' || base === 'cp' ? args[1] : at;
      if (!allowed(String(at)) || !allowed(String(also))) trap(`${name}(${args[0]}${args.length > 1 && typeof args[1] === 'string' ? ', ' + args[1] : ''})`);
      return orig.apply(this, args);
    };
  }
  if (typeof fs.promises[base] === 'function') fs.promises[base] = (p) => trap(`promises.${base}(${p})`);
}
for (const name of ['writeSync', 'write', 'writev', 'writevSync']) {
  const orig = fs[name];
  fs[name] = function (fd, ...rest) {
    if (fd !== 1 && fd !== 2 && ALLOW === null) trap(`${name}(fd ${fd})`);
    return orig.call(this, fd, ...rest);
  };
}
for (const name of ['readFileSync', 'readFile', 'createReadStream', 'readlinkSync', 'readdirSync']) {
  const orig = fs[name];
  fs[name] = function (p, ...rest) {
    if (name.startsWith('read') && name !== 'readdirSync' && name !== 'readlinkSync' && underDevVfio(String(p)) && !String(p).endsWith('/dev/vfio')) trap(`${name}(${p}) under /dev/vfio`);
    return orig.call(this, p, ...rest);
  };
}
syncBuiltinESMExports();
