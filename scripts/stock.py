#!/usr/bin/env python3
"""Fetch stock execnet releases into a cache and find local Python interpreters.

Stock execnet is only ever used as a reference: its wheels are downloaded from
PyPI into a per-user cache (never into the git tree) and unpacked there, so
that tooling can put ``<cache>/stock/execnet-<version>`` on ``sys.path``.

Cache location: ``$EXECNET_SWIFT_CACHE``, else
``${XDG_CACHE_HOME:-~/.cache}/execnet-swift``.

Usable as a module (``fetch``, ``stock_dir``, ``discover_pythons``,
``supports``) and as a command line tool::

    python3 scripts/stock.py fetch [VERSION...]   # print each unpacked dir
    python3 scripts/stock.py path VERSION         # fetch if needed, print dir
    python3 scripts/stock.py pythons              # "<major.minor> <impl> <path>"

Runs on Python 3.6 and later.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

VERSIONS = ["1.9.0", "2.0.2", "2.1.2"]

# sha256 of the PyPI wheels; a download that does not match is rejected.
WHEELS = {
    "1.9.0": ("execnet-1.9.0-py2.py3-none-any.whl",
              "a295f7cc774947aac58dde7fdc85f4aa00c42adf5d8f5468fc630c1acf30a142"),
    "2.0.2": ("execnet-2.0.2-py3-none-any.whl",
              "88256416ae766bc9e8895c76a87928c0012183da3cc4fc18016e6f050e025f41"),
    "2.1.2": ("execnet-2.1.2-py3-none-any.whl",
              "67fba928dd5a544b783f6056f449e5e3931a5c378b128bc18501f7ea79e296ec"),
}

PROBE_TIMEOUT = 15  # seconds an interpreter gets to report its version


def supports(version, impl, major_minor):
    """True if stock execnet `version` runs on the interpreter (impl, "X.Y")."""
    major, minor = (int(x) for x in major_minor.split("."))
    if version.startswith("1."):
        return (major, minor) >= (2, 7)
    return (major, minor) >= (3, 8)


def version_key(text):
    """Sort key for dotted version strings ("3.10" after "3.9")."""
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


# --------------------------------------------------------------------------
# cache and download


def cache_root():
    explicit = os.environ.get("EXECNET_SWIFT_CACHE")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(base), "execnet-swift")


def stock_dir(version):
    """Directory that holds the unpacked `execnet/` package of `version`."""
    return os.path.join(cache_root(), "stock", "execnet-" + version)


def _is_unpacked(path):
    return os.path.isfile(os.path.join(path, "execnet", "gateway_base.py"))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_version(version):
    if version not in WHEELS:
        raise SystemExit("unknown execnet version %r (known: %s)"
                         % (version, ", ".join(VERSIONS)))


def _pip_download(version, directory):
    """Run `python3 -m pip download` for the pure-Python wheel of `version`.

    `python3` from PATH is preferred (the interpreter running this script
    may be old); if pip refuses because of the wheel's Requires-Python, the
    download is retried with --ignore-requires-python (the wheel is only
    unpacked here, never installed).
    """
    runner = shutil.which("python3") or sys.executable
    command = [runner, "-m", "pip", "download", "--no-deps",
               "--only-binary=:all:", "--disable-pip-version-check", "-q",
               "-d", directory, "execnet==" + version]
    outputs = []
    for extra in ([], ["--ignore-requires-python"]):
        result = subprocess.run(command + extra, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                universal_newlines=True)
        if result.returncode == 0:
            return
        outputs.append("$ %s\n%s" % (" ".join(command + extra), result.stdout))
    raise SystemExit("pip download of execnet %s failed:\n%s"
                     % (version, "\n".join(outputs)))


def wheel_path(version):
    """Download the wheel of `version` into <cache>/wheels unless present."""
    _check_version(version)
    name, expected = WHEELS[version]
    wheels = os.path.join(cache_root(), "wheels")
    os.makedirs(wheels, exist_ok=True)
    final = os.path.join(wheels, name)
    if os.path.isfile(final) and _sha256(final) == expected:
        return final
    scratch = tempfile.mkdtemp(prefix=".download-", dir=wheels)
    try:
        _pip_download(version, scratch)
        got = os.path.join(scratch, name)
        if not os.path.isfile(got):
            raise SystemExit("pip did not produce %s (got %s)"
                             % (name, os.listdir(scratch)))
        actual = _sha256(got)
        if actual != expected:
            raise SystemExit("sha256 mismatch for %s: %s != %s"
                             % (name, actual, expected))
        os.replace(got, final)  # atomic; a racing process writes the same bytes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final


def fetch(version):
    """Make sure `version` is unpacked in the cache; return its directory."""
    _check_version(version)
    target = stock_dir(version)
    if _is_unpacked(target):
        return target
    wheel = wheel_path(version)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    try:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(scratch)
        if not _is_unpacked(scratch):
            raise SystemExit("wheel %s has no execnet/gateway_base.py" % wheel)
        os.chmod(scratch, 0o755)  # mkdtemp made it private
        try:
            os.rename(scratch, target)
        except OSError:
            # Somebody else finished first (or left a broken directory).
            if not _is_unpacked(target):
                shutil.rmtree(target, ignore_errors=True)
                os.rename(scratch, target)
    finally:
        if os.path.isdir(scratch):
            shutil.rmtree(scratch, ignore_errors=True)
    return target


# --------------------------------------------------------------------------
# interpreter discovery

_PROBE = (
    "import sys, platform, os\n"
    "impl = getattr(getattr(sys, 'implementation', None), 'name', None)\n"
    "impl = impl or platform.python_implementation().lower()\n"
    "sys.stdout.write('%s %d.%d %s\\n' % (impl, sys.version_info[0],"
    " sys.version_info[1], os.path.realpath(sys.executable)))\n"
)

_PATH_NAMES = (["python2.7"] + ["python3.%d" % m for m in range(6, 20)]
               + ["python3", "python2", "python", "pypy3", "pypy"])


def _candidates():
    found = []
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            root = subprocess.run([pyenv, "root"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL,
                                  universal_newlines=True,
                                  timeout=PROBE_TIMEOUT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = ""
        if root:
            for version_dir in sorted(glob.glob(os.path.join(root, "versions", "*"))):
                for exe in ("python", "python3", "pypy3", "pypy"):
                    path = os.path.join(version_dir, "bin", exe)
                    if os.path.isfile(path) and os.access(path, os.X_OK):
                        found.append(path)
                        break
    for name in _PATH_NAMES:
        path = shutil.which(name)
        if path:
            found.append(path)
    return found


def probe(path):
    """Ask `path` for (impl, "major.minor", real executable) or return None."""
    try:
        result = subprocess.run([path, "-c", _PROBE], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL,
                                universal_newlines=True, timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    fields = result.stdout.strip().split(" ", 2)
    if len(fields) != 3:
        return None
    return fields[0], fields[1], fields[2]


def discover_pythons():
    """List of (path, impl, "major.minor"), one per (impl, major.minor).

    Candidates come from pyenv (``pyenv root``/versions) first, then PATH.
    Each candidate reports its own version and real executable; the first
    candidate wins for a given real path and for a given (impl, version).
    The result is sorted by version, then implementation.
    """
    seen_paths = set()
    seen_kinds = set()
    pythons = []
    for candidate in _candidates():
        info = probe(candidate)
        if info is None:
            continue
        impl, major_minor, real = info
        if real in seen_paths or (impl, major_minor) in seen_kinds:
            continue
        seen_paths.add(real)
        seen_kinds.add((impl, major_minor))
        pythons.append((real, impl, major_minor))
    pythons.sort(key=lambda p: (version_key(p[2]), p[1] != "cpython", p[1]))
    return pythons


# --------------------------------------------------------------------------
# command line


def main(argv):
    usage = ("usage: stock.py fetch [VERSION...] | path VERSION | pythons")
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "fetch":
        for version in args or VERSIONS:
            print(fetch(version))
    elif command == "path" and len(args) == 1:
        print(fetch(args[0]))
    elif command == "pythons" and not args:
        for path, impl, major_minor in discover_pythons():
            print("%s %s %s" % (major_minor, impl, path))
    else:
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:  # e.g. `stock.py pythons | head -1`
        sys.stderr.close()
        sys.exit(1)
