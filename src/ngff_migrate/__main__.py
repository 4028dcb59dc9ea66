"""``python -m ngff_migrate`` — the same CLI as the ``ngff-migrate`` script."""

from .cli import main

main()
