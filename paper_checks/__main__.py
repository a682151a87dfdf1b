"""``python -m paper_checks``: until the claim catalogue exists, derive a built-in model.

The paper-checks issue replaces this with the claim runner; the README's first
command already calls this module so that it stays the main job.
"""

import sys

from numerics.cli import main

if __name__ == "__main__":
    sys.exit(main(["derive", "model_b", "--integrate-out", "h"]))
