"""Shared test set-up.

`python -m pytest` puts the checkout first on sys.path; its cembed/ has no
compiled extension unless it was built in place, so prefer the installed
package then.
"""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not glob.glob(os.path.join(ROOT, "cembed", "_core*.so")) and not glob.glob(
    os.path.join(ROOT, "cembed", "_core*.pyd")
):
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != ROOT]
