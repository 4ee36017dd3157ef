"""Run Python in a fresh interpreter that imports this same cembed.

The thread count and the instruction-set path are chosen once a process
(docs/cpu.rst), so the tests of them, and of bits across them, start a new
interpreter for each setting.
"""
import os
import subprocess
import sys
import textwrap

import cembed

# the folder that holds the cembed package the tests import: the checkout
# when it is built in place, else the installed one
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))


def run_python(code, *args, timeout=600, cwd=PACKAGE_ROOT, **env_vars):
    """Run `code` (source text, or the path of a script) with `args` in a
    fresh interpreter importing this cembed; return the finished process
    (stdout and stderr as text). `env_vars` are set in its environment, a
    value of None removes one. OMP_NUM_THREADS is removed unless given, so
    the child starts from the default thread count; CEMBED_ISA is kept, so
    ``CEMBED_ISA=avx2 pytest`` runs the children on that path too."""
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    for name, value in env_vars.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if isinstance(code, os.PathLike):
        command = [sys.executable, os.fspath(code)]
    else:
        command = [sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.run(command + [str(a) for a in args], env=env, capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


def python_stdout(code, *args, **kwargs):
    """run_python's standard output, after checking the child succeeded."""
    proc = run_python(code, *args, **kwargs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout
