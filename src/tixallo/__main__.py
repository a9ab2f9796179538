"""`python -m tixallo` is the same as the `tixallo` command."""

from tixallo.cli import main

main()
