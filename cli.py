#!/usr/bin/env python3
"""unitcost on the command line: `cli.py COMMAND ...`, `cli.py -h` for the commands.

The argument tree and the one error handler are commands/tree.py's: Python compiles a script from source on
every run and keeps only imported modules' bytecode, and compiling the tree here took longer than parsing
`cli.py estimate`'s arguments with it. Exit codes: as commands/tree.py says (0, 2 bad input, 1 a bug).
"""

import sys

from commands.tree import main

if __name__ == "__main__":
    sys.exit(main())
